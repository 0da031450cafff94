using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>
/// <c>timestamp --refresh</c> reads only root, the snapshot's bytes and version, and the timestamp's version: the
/// timestamp it signs must still name the current snapshot exactly, with the next version and a fresh expiry, and a
/// snapshot it cannot read stops it with nothing written.
/// </summary>
public sealed class TimestampRefreshTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private RepositoryProject Repo => _t.Project;

    private static TimestampMetadata ParseTimestamp(byte[] bytes) => TimestampMetadata.FromSigned(SignedEnvelope.Parse(bytes, "timestamp").Signed);

    [Fact]
    public void A_refreshed_timestamp_names_the_current_snapshot_exactly_with_the_next_version_and_a_fresh_expiry()
    {
        Repo.ConvertToHashBins(16);
        for (int i = 0; i < 5; i++) _t.AddPackage($"pkg{i}");
        Repo.Publish();
        var before = ParseTimestamp(_t.Meta("timestamp.json"));
        for (int round = 1; round <= 3; round++)
        {
            _t.Clock.Advance(TimeSpan.FromHours(7));
            Assert.Equal(before.Header.Version + round, Repo.RefreshTimestamp());
            var snapshotBytes = _t.Meta("snapshot.json");
            var timestamp = ParseTimestamp(_t.Meta("timestamp.json"));
            Assert.Equal(before.Header.Version + round, timestamp.Header.Version);
            Assert.Equal(_t.Clock.GetUtcNow() + Repo.Settings.TimestampExpiry, timestamp.Header.Expires);
            Assert.Equal(PublishingTestRepo.ParseSnapshot(snapshotBytes).Header.Version, timestamp.Snapshot.Version);
            Assert.Equal(snapshotBytes.Length, timestamp.Snapshot.Length);
            Assert.Equal(Hashing.Sha256Hex(snapshotBytes), timestamp.Snapshot.Hashes!["sha256"]);
            Assert.Single(timestamp.Snapshot.Hashes);
        }
        // A client takes it, signatures and threshold included, and the chain below it is unchanged.
        var client = _t.LoadAsClient();
        Assert.Equal(before.Header.Version + 3, client.Timestamp!.Header.Version);
        Assert.Equal(before.Snapshot.Version, client.Snapshot!.Header.Version);
        _t.AssertVerifies();
    }

    [Fact]
    public void After_a_publish_the_refreshed_timestamp_follows_the_new_snapshot()
    {
        Repo.ConvertToHashBins(4);
        _t.AddPackage("first");
        Repo.Publish();
        Repo.RefreshTimestamp();
        _t.AddPackage("second");
        var published = Repo.Publish();
        Repo.RefreshTimestamp();
        var timestamp = ParseTimestamp(_t.Meta("timestamp.json"));
        Assert.Equal(published.SnapshotVersion, timestamp.Snapshot.Version);
        Assert.Equal(published.TimestampVersion + 1, timestamp.Header.Version);
        _t.AssertVerifies();
    }

    [Theory]
    [InlineData("{\"signatures\": [], \"signed\": {\"_type\": \"snapshot\", \"version\": ")]
    [InlineData("{\"signatures\": [], \"signed\": {\"_type\": \"snapshot\", \"version\": 2}, \"signed\": {\"_type\": \"snapshot\", \"version\": 3}}")]
    [InlineData("[]")]
    [InlineData("")]
    public void A_snapshot_that_cannot_be_read_stops_the_refresh_naming_it_and_nothing_is_written(string content)
    {
        Repo.ConvertToHashBins(2);
        var snapshotPath = _t.MetadataPath("snapshot.json");
        File.WriteAllText(snapshotPath, content);
        var files = Directory.GetFiles(Repo.MetadataDir).ToDictionary(f => f, File.ReadAllBytes);
        var error = Assert.Throws<PublisherException>(() => RepositoryProject.Open(Repo.Directory, _t.Clock).RefreshTimestamp());
        Assert.Contains(snapshotPath, error.Message);
        Assert.Equal(files.Keys.Order(), Directory.GetFiles(Repo.MetadataDir).Order());
        foreach (var (path, bytes) in files) Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_refresh_loads_only_the_timestamp_key_and_a_search_for_a_missing_key_still_reads_every_file()
    {
        // A damaged key file that sorts before timestamp.key.json: loading it fails, naming it.
        var damaged = Path.Combine(Repo.Keys.Directory, "aaa.0123456789abcdef.key.json");
        File.WriteAllText(damaged, "not a key");
        File.SetUnixFileMode(damaged, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = ParseTimestamp(_t.Meta("timestamp.json")).Header.Version;

        Assert.Equal(before + 1, RepositoryProject.Open(Repo.Directory, _t.Clock).RefreshTimestamp());
        _t.AssertVerifies();

        // A key found by the ID in its file name, by its role, or (when named otherwise) by reading the rest.
        var root = Repo.CurrentRoot();
        var timestampId = root.Role(RoleNames.Timestamp).KeyIds.Single();
        var renamed = Repo.Keys.PathOf("other", timestampId);
        File.Move(Repo.Keys.PathOf(RoleNames.Timestamp), renamed);
        using (var keys = new SigningKeys(Repo.Keys))
            Assert.Equal(timestampId, keys.Find(timestampId)!.KeyId);
        File.Move(renamed, Path.Combine(Repo.Keys.Directory, "zzz.key.json"));
        using (var keys = new SigningKeys(Repo.Keys))
        {
            var error = Assert.Throws<PublisherException>(() => keys.Find(timestampId));
            Assert.Contains(damaged, error.Message);
        }
        File.Delete(damaged);
        using (var keys = new SigningKeys(Repo.Keys))
        {
            Assert.Equal(timestampId, keys.Find(timestampId)!.KeyId);
            Assert.Null(keys.Find(new string('0', 64)));
        }
    }

    public void Dispose() => _t.Dispose();
}
