using System.Text.Json.Nodes;
using Stork.Client.Operations;
using Stork.Client.Packages;
using Stork.Client.Tuf;
using Stork.Format.Metadata;

namespace Stork.Client.Tests.Tuf;

/// <summary>
/// A refresh with nothing new takes the stored snapshot and targets as verified without parsing them only while the
/// chain it verified earlier still holds: the same stored bytes (root, snapshot, targets), the snapshot the timestamp
/// names, nothing expired. Anything else runs the full workflow, which discards a damaged copy.
/// </summary>
public sealed class VerifiedChainTests : IDisposable
{
    private readonly ServedRepository _repo = new();

    private void Publish(string name)
    {
        var blob = Path.Combine(Path.GetDirectoryName(_repo.Store.Directory)!, $"{name}.blob");
        File.WriteAllText(blob, name);
        _repo.Project.AddTarget(RepositoryLayout.PackageTarget(name, "1.0.0"), blob,
            new JsonObject { ["stork"] = new JsonObject { ["name"] = name, ["version"] = "1.0.0" } });
        _repo.Project.Publish();
    }

    private async Task<VerifiedChain> FirstChainAsync()
    {
        _repo.Project.ConvertToHashBins(4);
        Publish("alpha");
        var updater = _repo.Updater(TimeSpan.FromHours(1));
        var (trusted, result, unchanged) = await updater.RefreshTopLevelAsync(null, CancellationToken.None);
        Assert.False(unchanged);
        var chain = Assert.IsType<VerifiedChain>(updater.LastChain);
        Assert.Equal(trusted.Snapshot!.Header.Version, chain.SnapshotVersion);
        Assert.Equal(result.TargetsVersion, chain.TargetsVersion);
        Assert.Equal(VerifiedChain.Sha256Of(_repo.Store.Read(RoleNames.Snapshot)!), chain.SnapshotSha256);
        Assert.Equal(VerifiedChain.Sha256Of(_repo.Store.Read(RoleNames.Targets)!), chain.TargetsSha256);
        return chain;
    }

    private async Task<(bool Unchanged, RefreshResult Result, Stork.Format.Trust.TrustedMetadata Trusted, List<string> Requested)> AgainAsync(VerifiedChain known)
    {
        int before = _repo.Requested.Count;
        var (trusted, result, unchanged) = await _repo.Updater(TimeSpan.FromHours(1)).RefreshTopLevelAsync(known, CancellationToken.None);
        return (unchanged, result, trusted, _repo.Requested.Skip(before).ToList());
    }

    [Fact]
    public async Task Nothing_new_under_the_same_chain_reads_only_the_timestamp()
    {
        var chain = await FirstChainAsync();
        var (unchanged, result, trusted, requested) = await AgainAsync(chain);
        Assert.True(unchanged);
        Assert.Equal(["timestamp.json"], requested);
        Assert.Null(trusted.Snapshot); // not parsed
        Assert.False(result.Changed);
        Assert.Equal((chain.SnapshotVersion, chain.TargetsVersion), (result.SnapshotVersion, result.TargetsVersion));
    }

    [Fact]
    public async Task A_new_snapshot_runs_the_full_workflow()
    {
        var chain = await FirstChainAsync();
        Publish("beta");
        var (unchanged, result, trusted, _) = await AgainAsync(chain);
        Assert.False(unchanged);
        Assert.True(result.Changed);
        Assert.Equal(chain.SnapshotVersion + 1, trusted.Snapshot!.Header.Version);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("targets")]
    public async Task A_damaged_stored_copy_is_not_taken_as_verified_and_is_replaced(string role)
    {
        var chain = await FirstChainAsync();
        var good = _repo.Store.Read(role)!;
        var damaged = (byte[])good.Clone();
        damaged[damaged.Length / 2] ^= 0x20;
        _repo.Store.Write(role, damaged);
        var (unchanged, _, trusted, _) = await AgainAsync(chain);
        Assert.False(unchanged);
        Assert.NotNull(trusted.Targets);
        Assert.Equal(good, _repo.Store.Read(role)); // discarded and fetched again, verified
    }

    [Fact]
    public async Task A_chain_that_expired_or_names_other_bytes_does_not_hold()
    {
        var chain = await FirstChainAsync();
        var now = _repo.Clock.Now.ToUnixTimeSeconds();
        foreach (var other in new[]
                 {
                     chain with { SnapshotExpires = now },
                     chain with { TargetsExpires = now - 1 },
                     chain with { RootSha256 = new string('0', 64) },
                     chain with { SnapshotVersion = chain.SnapshotVersion - 1 },
                     chain with { SnapshotLength = chain.SnapshotLength + 1 },
                     chain with { TargetsSha256 = new string('0', 64) },
                 })
        {
            var (unchanged, _, trusted, _) = await AgainAsync(other);
            Assert.False(unchanged);
            Assert.NotNull(trusted.Snapshot);
        }
        Assert.True((await AgainAsync(chain)).Unchanged);
    }

    [Fact]
    public async Task A_timestamp_that_names_other_snapshot_bytes_does_not_match_the_chain()
    {
        var chain = await FirstChainAsync();
        var named = new MetaFile(chain.SnapshotVersion, chain.SnapshotLength, new Dictionary<string, string> { ["sha256"] = chain.SnapshotSha256 });
        Assert.True(chain.IsNamedBy(Timestamp(named)));
        Assert.True(chain.IsNamedBy(Timestamp(new MetaFile(chain.SnapshotVersion))));
        Assert.False(chain.IsNamedBy(Timestamp(named with { Hashes = new Dictionary<string, string> { ["sha256"] = new string('0', 64) } })));
        Assert.False(chain.IsNamedBy(Timestamp(named with { Hashes = new Dictionary<string, string> { ["sha512"] = new string('0', 128) } })));
        Assert.False(chain.IsNamedBy(Timestamp(named with { Length = chain.SnapshotLength - 1 })));

        static TimestampMetadata Timestamp(MetaFile snapshot)
            => new(new SignedHeader("timestamp", "1.0.31", 9, DateTimeOffset.UnixEpoch.AddYears(100)), snapshot);
    }

    [Fact]
    public async Task The_stored_refresh_summary_is_refused_when_damaged_for_another_policy_or_expired()
    {
        var chain = await FirstChainAsync();
        var file = Path.Combine(Path.GetDirectoryName(_repo.Store.Directory)!, "package-index.summary");
        var expires = _repo.Clock.Now.AddDays(1);
        RefreshSummaryFile.TryWrite(file, chain, PackageTrustPolicy.Default, new PackageIndexCache.Summary(7, ["p: bad"], expires));
        var stored = RefreshSummaryFile.TryRead(file, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.NotNull(stored);
        Assert.Equal(chain, stored.Chain);
        Assert.Equal((7, "p: bad"), (stored.Summary.Names, Assert.Single(stored.Summary.Problems)));

        Assert.Null(RefreshSummaryFile.TryRead(file, new PackageTrustPolicy(new HashSet<string> { "bins-0" }), _repo.Clock.Now));
        Assert.Null(RefreshSummaryFile.TryRead(file, PackageTrustPolicy.Default, expires));
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"names\":7", "\"names\":8"));
        Assert.Null(RefreshSummaryFile.TryRead(file, PackageTrustPolicy.Default, _repo.Clock.Now));
        File.WriteAllText(file, "garbage");
        Assert.Null(RefreshSummaryFile.TryRead(file, PackageTrustPolicy.Default, _repo.Clock.Now));
    }

    public void Dispose() => _repo.Dispose();
}
