using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>
/// Publishing cost follows what changed: many packages are queued in one pass, a publish rewrites only the roles
/// that got packages, unchanged roles are never rewritten or read in full, and the timestamp refresh touches one file.
/// </summary>
public sealed class BulkPublishTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private RepositoryProject Repo => _t.Project;

    private List<(string Blob, string Name, JsonObject Info)> Build(int count, string prefix = "pkg")
    {
        var list = new List<(string, string, JsonObject)>();
        for (int i = 0; i < count; i++)
        {
            var name = $"{prefix}{i:D3}";
            var info = TestPackages.Info(name, "1.0.0");
            var blob = _t.Dir.Combine($"{name}.stork");
            File.WriteAllBytes(blob, TestPackages.Build(info));
            list.Add((blob, name, info.ToJsonNode().AsObject()));
        }
        return list;
    }

    [Fact]
    public void A_batch_queues_every_package_with_one_write_of_the_queue_and_publishes_them_all()
    {
        Repo.ConvertToHashBins(16);
        var packages = Build(120);
        var pending = Path.Combine(Repo.Directory, RepositoryProject.PendingFile);
        var batch = Repo.BeginAdding();
        foreach (var (blob, name, info) in packages) batch.AddPackage(blob, name, "1.0.0", info);
        Assert.False(File.Exists(pending)); // nothing is written per package
        batch.Commit();
        Assert.Equal(120, Repo.PendingTargets().Count);

        var published = Repo.Publish();
        Assert.Equal(120, published.AddedTargets);
        Assert.Equal(120, published.TargetCount);
        Assert.False(File.Exists(pending));
        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(120, report.TargetsChecked);
        var client = _t.LoadAsClient();
        Assert.Equal(17, client.Snapshot!.Meta.Count);
    }

    [Fact]
    public void A_batch_that_is_not_committed_queues_nothing_and_removes_the_blobs_it_copied()
    {
        var already = Build(1, "old")[0];
        Repo.AddPackage(already.Blob, already.Name, "1.0.0", already.Info);
        var servedBefore = Directory.GetFiles(Repo.TargetsDir, "*", SearchOption.AllDirectories).Order().ToArray();
        Assert.Single(servedBefore);

        using (var batch = Repo.BeginAdding())
        {
            batch.AddPackage(already.Blob, already.Name, "1.0.0", already.Info); // same blob: already served, kept
            foreach (var (blob, name, info) in Build(3)) batch.AddPackage(blob, name, "1.0.0", info);
            Assert.Equal(4, Directory.GetFiles(Repo.TargetsDir, "*", SearchOption.AllDirectories).Length);
        } // disposed without Commit, as a refused add is

        Assert.Single(Repo.PendingTargets()); // only the earlier add's entry
        Assert.Equal(servedBefore, Directory.GetFiles(Repo.TargetsDir, "*", SearchOption.AllDirectories).Order().ToArray());
    }

    [Fact]
    public void Publishing_one_package_rewrites_only_its_bin_snapshot_and_timestamp()
    {
        Repo.ConvertToHashBins(16);
        var batch = Repo.BeginAdding();
        foreach (var (blob, name, info) in Build(40)) batch.AddPackage(blob, name, "1.0.0", info);
        batch.Commit();
        Repo.Publish();
        var files = Directory.GetFiles(Repo.MetadataDir).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Thread.Sleep(20);

        var added = _t.AddPackage("newcomer");
        var published = Repo.Publish();
        Assert.Equal([added.Role], published.SignedRoles);
        var rewritten = files.Where(f => File.GetLastWriteTimeUtc(f.Key) != f.Value).Select(f => Path.GetFileName(f.Key)).Order(StringComparer.Ordinal).ToList();
        // The bin's and snapshot's unversioned copies (and their gzip copies) and the timestamp; nothing else.
        Assert.Equal(new[] { $"{added.Role}.json", $"{added.Role}.json.gz", "snapshot.json", "snapshot.json.gz", "timestamp.json" }, rewritten);
        _t.AssertVerifies();
        Assert.Equal(41, _t.Verify().TargetsChecked);
    }

    [Fact]
    public void Timestamp_refresh_writes_only_the_timestamp()
    {
        Repo.ConvertToHashBins(4);
        _t.AddPackage("hello");
        Repo.Publish();
        var files = Directory.GetFiles(Repo.MetadataDir).ToDictionary(f => f, File.ReadAllBytes);
        var version = Repo.CurrentTimestamp().Header.Version;
        Assert.Equal(version + 1, Repo.RefreshTimestamp());
        var changed = files.Where(f => !File.ReadAllBytes(f.Key).AsSpan().SequenceEqual(f.Value)).Select(f => Path.GetFileName(f.Key)).ToList();
        Assert.Equal(["timestamp.json"], changed);
        Assert.Equal(files.Count, Directory.GetFiles(Repo.MetadataDir).Length);
        _t.AssertVerifies();
    }

    [Fact]
    public void Gzip_copies_hold_exactly_the_metadata_they_sit_beside()
    {
        Repo.ConvertToHashBins(2);
        _t.AddPackage("hello");
        Repo.Publish();
        var gz = Directory.GetFiles(Repo.MetadataDir, "*.json.gz");
        Assert.NotEmpty(gz);
        Assert.DoesNotContain(gz, f => Path.GetFileName(f).StartsWith("timestamp", StringComparison.Ordinal));
        foreach (var file in gz)
        {
            using var input = new System.IO.Compression.GZipStream(File.OpenRead(file), System.IO.Compression.CompressionMode.Decompress);
            var decoded = new MemoryStream();
            input.CopyTo(decoded);
            Assert.Equal(File.ReadAllBytes(file[..^3]), decoded.ToArray());
        }
    }

    [Fact]
    public void A_role_file_not_in_canonical_form_is_still_read_for_its_delegations()
    {
        // Unchanged roles are read only up to their target list; a file in another key order is parsed in full instead.
        Repo.ConvertToHashBins(2);
        var bin = Path.Combine(Repo.MetadataDir, "bins-0.json");
        var envelope = JsonNode.Parse(File.ReadAllBytes(bin))!.AsObject();
        var reordered = new JsonObject { ["signed"] = envelope["signed"]!.DeepClone(), ["signatures"] = envelope["signatures"]!.DeepClone() };
        File.WriteAllText(bin, reordered.ToJsonString(new() { WriteIndented = true }));
        var added = _t.AddPackage("hello");
        Assert.Equal([added.Role], Repo.Publish().SignedRoles);
    }

    [Fact]
    public void A_package_already_published_with_other_content_is_refused_in_a_batch_too()
    {
        Repo.ConvertToHashBins(4);
        _t.AddPackage("hello");
        Repo.Publish();
        var info = TestPackages.Info("hello", "1.0.0") with { Summary = "different bytes" };
        var blob = _t.Dir.Combine("hello-other.stork");
        File.WriteAllBytes(blob, TestPackages.Build(info));
        var queue = Repo.PendingTargets().Count;
        // Checked at commit, one published role at a time; the blob the batch copied is removed again.
        using (var batch = Repo.BeginAdding())
        {
            batch.AddPackage(blob, "hello", "1.0.0", info.ToJsonNode().AsObject());
            var error = Assert.Throws<PublisherException>(() => batch.Commit());
            Assert.Contains("hello 1.0.0 is already published", error.Message);
        }
        Assert.Equal(queue, Repo.PendingTargets().Count);
        var sha256 = Stork.Format.Crypto.Hashing.Sha256HexOfFile(blob);
        Assert.DoesNotContain(Directory.GetFiles(Repo.TargetsDir, "*", SearchOption.AllDirectories), f => f.Contains(sha256, StringComparison.Ordinal));
    }

    public void Dispose() => _t.Dispose();
}
