using Stork.Client.Tuf;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Client.Tests.Tuf;

/// <summary>
/// The root probe (N+1.root.json) is skipped only for a refresh that finds nothing new within the root check
/// interval (SPEC.md §3.3, §7); anything new, any signature failure, an expired root or a stale record probes first.
/// </summary>
public sealed class RootCheckIntervalTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private const string Timestamp = "timestamp.json";

    [Fact]
    public async Task Unchanged_repository_within_the_interval_costs_one_request()
    {
        using var repo = new ServedRepository();
        var (first, firstRequests) = await repo.RefreshAsync(Hour);
        Assert.Equal(["2.root.json", Timestamp, "1.snapshot.json", "1.targets.json"], firstRequests);
        Assert.True(first.Changed);

        repo.Clock.Advance(TimeSpan.FromMinutes(59));
        var (again, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal([Timestamp], requests);
        Assert.False(again.Changed);
        Assert.Equal(1, again.RootVersion);
    }

    [Fact]
    public async Task After_the_interval_the_root_is_probed_first_and_the_check_recorded_again()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        repo.Clock.Advance(Hour);

        var (_, requests) = await repo.RefreshAsync(Hour);
        Assert.Equal(["2.root.json", Timestamp], requests);
        Assert.Equal(repo.Clock.Now, repo.Store.LastRootCheck());

        repo.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal([Timestamp], (await repo.RefreshAsync(Hour)).Requested);
    }

    [Fact]
    public async Task Interval_zero_probes_on_every_refresh_and_keeps_no_record()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(TimeSpan.Zero);
        for (int i = 0; i < 2; i++)
        {
            repo.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(["2.root.json", Timestamp], (await repo.RefreshAsync(TimeSpan.Zero)).Requested);
        }
        Assert.Null(repo.Store.LastRootCheck());
        Assert.False(File.Exists(Path.Combine(repo.Store.Directory, LocalMetadataStore.RootCheckFile)));
    }

    [Fact]
    public async Task A_timestamp_from_a_rotated_in_key_is_accepted_after_a_probe_in_the_same_refresh()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        // Root v2 replaces the timestamp key; the publisher re-signs the timestamp with it.
        repo.Project.RotateKey(RoleNames.Timestamp, null);
        repo.Clock.Advance(TimeSpan.FromMinutes(5));

        var (result, requests) = await repo.RefreshAsync(Hour);

        // The new timestamp key invalidates the stored timestamp and snapshot (fast-forward recovery): the snapshot is fetched again.
        Assert.Equal([Timestamp, "2.root.json", "3.root.json", $"{repo.Project.CurrentSnapshot().Header.Version}.snapshot.json"], requests);
        Assert.Equal(2, result.RootVersion);
        Assert.Equal(repo.Project.CurrentTimestamp().Header.Version, result.TimestampVersion);
    }

    [Fact]
    public async Task The_same_timestamp_version_signed_by_a_rotated_in_key_triggers_the_probe()
    {
        using var repo = new ServedRepository();
        var (before, _) = await repo.RefreshAsync(Hour);
        var known = repo.Project.CurrentTimestamp();
        repo.Project.RotateKey(RoleNames.Timestamp, null);
        // The version the host already has, signed only by the new key: it fails under the host's root v1.
        using var newKey = repo.Project.Keys.Find(repo.Project.CurrentRoot().Role(RoleNames.Timestamp).KeyIds.Single())!;
        var resigned = new SignedEnvelope(known.ToSigned());
        resigned.Sign(newKey);
        repo.Overrides[Timestamp] = resigned.ToBytes();
        repo.Clock.Advance(TimeSpan.FromMinutes(5));

        var (result, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal(2, result.RootVersion);
        Assert.Equal(before.TimestampVersion, result.TimestampVersion);
        Assert.Equal(Timestamp, requests[0]);
        Assert.Equal("2.root.json", requests[1]);
        Assert.Single(requests, Timestamp);
    }

    [Fact]
    public async Task A_timestamp_signed_by_a_revoked_key_is_refused_after_the_probe()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        var current = repo.Project.CurrentTimestamp();
        using var revoked = repo.Project.Keys.Find(repo.Project.CurrentRoot().Role(RoleNames.Timestamp).KeyIds.Single())!;
        repo.Project.RotateKey(RoleNames.Timestamp, null);
        // The holder of the old key offers a newer timestamp: valid under the host's root v1, not under v2.
        var forged = new SignedEnvelope((current with { Header = current.Header with { Version = current.Header.Version + 5 } }).ToSigned());
        forged.Sign(revoked);
        repo.Overrides[Timestamp] = forged.ToBytes();
        repo.Clock.Advance(TimeSpan.FromMinutes(5));

        await Assert.ThrowsAsync<UnsignedMetadataException>(() => repo.Updater(Hour).RefreshAsync(CancellationToken.None));
        Assert.Equal([Timestamp, "2.root.json", "3.root.json"], repo.Requested.TakeLast(3));
    }

    [Fact]
    public async Task A_new_timestamp_triggers_the_probe_and_picks_up_a_rotation_that_came_with_it()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        // Root v2 rotates the targets key; targets, snapshot and timestamp are re-signed (the timestamp key is unchanged).
        repo.Project.RotateKey(RoleNames.Targets, null);
        repo.Clock.Advance(TimeSpan.FromMinutes(5));

        var (result, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal([Timestamp, "2.root.json", "3.root.json", "2.snapshot.json", "2.targets.json"], requests);
        Assert.True(result.Changed);
        Assert.Equal(2, result.RootVersion);
        Assert.Equal(repo.Project.CurrentTargets().Header.Version, result.TargetsVersion);
    }

    [Fact]
    public async Task A_new_timestamp_without_a_rotation_costs_one_probe()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        repo.Project.Publish();
        repo.Clock.Advance(TimeSpan.FromMinutes(5));

        var (result, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal([Timestamp, "2.root.json", "2.snapshot.json", "2.targets.json"], requests);
        Assert.True(result.Changed);
    }

    [Fact]
    public async Task An_expired_local_root_is_probed_before_anything_else()
    {
        var settings = RepositorySettings.Default with { RootExpiry = TimeSpan.FromHours(2) };
        using var repo = new ServedRepository(settings);
        var day = TimeSpan.FromDays(1);
        await repo.RefreshAsync(day);
        repo.Clock.Advance(TimeSpan.FromHours(3));

        // No newer root: the refresh fails on the expired root after the probe, without asking for the timestamp.
        await Assert.ThrowsAsync<ExpiredMetadataException>(() => repo.Updater(day).RefreshAsync(CancellationToken.None));
        Assert.Equal("2.root.json", repo.Requested[^1]);

        // The publisher renews the root: the host follows it (the timestamp is unchanged).
        using (var keys = new SigningKeys(repo.Project.Keys)) repo.Project.ChangeRoot(r => r, offline: false, keys);
        var (result, requests) = await repo.RefreshAsync(day);
        Assert.Equal(["2.root.json", "3.root.json", Timestamp], requests);
        Assert.Equal(2, result.RootVersion);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("future")]
    [InlineData("missing")]
    public async Task A_damaged_missing_or_future_check_record_means_check_now(string record)
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        var path = Path.Combine(repo.Store.Directory, LocalMetadataStore.RootCheckFile);
        repo.Clock.Advance(TimeSpan.FromMinutes(1));
        switch (record)
        {
            case "future": repo.Store.RecordRootCheck(repo.Clock.Now + TimeSpan.FromMinutes(10)); break;
            case "missing": File.Delete(path); break;
            default: File.WriteAllText(path, record); break;
        }

        var (_, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal(["2.root.json", Timestamp], requests);
        Assert.Equal(repo.Clock.Now, repo.Store.LastRootCheck());
    }

    [Fact]
    public async Task A_damaged_stored_timestamp_is_replaced_after_a_probe()
    {
        using var repo = new ServedRepository();
        await repo.RefreshAsync(Hour);
        File.WriteAllText(repo.Store.PathOf(RoleNames.Timestamp), "{}");
        repo.Clock.Advance(TimeSpan.FromMinutes(1));

        var (_, requests) = await repo.RefreshAsync(Hour);

        Assert.Equal([Timestamp, "2.root.json"], requests);
        Assert.NotEqual("{}", File.ReadAllText(repo.Store.PathOf(RoleNames.Timestamp)));
    }
}
