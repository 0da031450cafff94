using System.Text;
using System.Text.Json.Nodes;
using Stork.Client.Packages;
using Stork.Client.Tests.Packages;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tests.Tuf;

/// <summary>
/// The package index kept per verified snapshot: used only for exactly that snapshot, ignored when damaged or stale,
/// rebuilt when the snapshot changes (also after many skipped versions), and always equal to a fresh computation.
/// </summary>
public sealed class PackageIndexCacheTests : IDisposable
{
    private readonly ServedRepository _repo = new();
    private readonly string _cache = Path.Combine(Directory.CreateTempSubdirectory("stork-index-cache-").FullName, "package-index.db");

    private void Publish(params string[] names)
    {
        foreach (var name in names)
        {
            var blob = Path.Combine(Path.GetDirectoryName(_cache)!, $"{name}.blob");
            File.WriteAllText(blob, name);
            var info = new JsonObject { ["name"] = name, ["version"] = "1.0.0", ["summary"] = $"the {name} package" };
            _repo.Project.AddTarget(RepositoryLayout.PackageTarget(name, "1.0.0"), blob, new JsonObject { ["stork"] = info });
        }
        _repo.Project.Publish();
    }

    private async Task<TrustedMetadata> RefreshAsync(bool loadDelegations = true)
        => (await _repo.Updater(TimeSpan.FromHours(1)).RefreshAsync(loadDelegations, CancellationToken.None)).Trusted;

    [Fact]
    public async Task Without_delegated_roles_the_cache_serves_its_own_snapshot_and_nothing_else()
    {
        _repo.Project.ConvertToHashBins(8);
        Publish("alpha", "beta");
        var full = PackageIndexCache.Load(_cache, await RefreshAsync(), PackageTrustPolicy.Default, _repo.Clock.Now);

        var chainOnly = await RefreshAsync(loadDelegations: false);
        Assert.Equal(["targets"], chainOnly.LoadedTargetRoles);
        var cached = PackageIndexCache.TryLoadWithoutRoles(_cache, chainOnly, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.NotNull(cached);
        Assert.Equal(Names(full), Names(cached));
        Assert.Equal(full.VersionsOf("alpha").Single().Target.Sha256, cached.VersionsOf("alpha").Single().Target.Sha256);

        // A new snapshot: the cache is not for it, so the roles must be loaded and verified.
        Publish("gamma");
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, await RefreshAsync(loadDelegations: false), PackageTrustPolicy.Default, _repo.Clock.Now));
    }

    [Fact]
    public async Task A_cache_is_not_used_once_a_role_it_was_built_from_has_expired()
    {
        _repo.Project.ConvertToHashBins(4);
        Publish("alpha");
        var trusted = await RefreshAsync();
        PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        var earliest = trusted.LoadedTargetsListings.Min(r => r.Header.Expires);
        Assert.NotNull(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, earliest.AddSeconds(-1)));
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, earliest));
    }

    private static List<string> Names(PackageIndex index) => index.Names.Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task The_cache_is_written_once_and_used_for_the_same_snapshot()
    {
        _repo.Project.ConvertToHashBins(4);
        Publish("alpha", "beta", "gamma");
        var trusted = await RefreshAsync();
        var first = PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.Equal(["alpha", "beta", "gamma"], Names(first));
        Assert.True(File.Exists(_cache));

        // Prove the second load reads the file: a cache for this key listing only alpha gives only alpha.
        var key = PackageIndexCache.KeyOf(trusted);
        var onlyAlpha = TargetSearch.AllTrusted(trusted).Where(f => f.Path.Contains("alpha")).ToList();
        WriteCache(key, onlyAlpha);
        Assert.Equal(["alpha"], Names(PackageIndexCache.Load(_cache, await RefreshAsync(), PackageTrustPolicy.Default, _repo.Clock.Now)));
    }

    [Fact]
    public async Task A_damaged_cache_is_ignored_and_rewritten()
    {
        Publish("alpha", "beta");
        var trusted = await RefreshAsync();
        PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        // A changed name row: its check value no longer matches; the index is rebuilt from the roles and rewritten.
        IndexCacheFiles.Sql(_cache, "UPDATE names SET summary = 'changed' WHERE name = 'alpha'");
        Assert.Equal(["alpha", "beta"], Names(PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now)));
        Assert.Equal("the alpha package", IndexCacheFiles.Scalar<string>(_cache, "SELECT summary FROM names WHERE name = 'alpha'"));

        IndexCacheFiles.Restore(_cache, new() { [""] = "garbage"u8.ToArray() });
        Assert.Equal(["alpha", "beta"], Names(PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now)));
        Assert.NotNull(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        var saved = IndexCacheFiles.Save(_cache);
        saved[""] = saved[""][..(saved[""].Length / 2)]; // truncated
        IndexCacheFiles.Restore(_cache, saved);
        Assert.Equal(["alpha", "beta"], Names(PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now)));
    }

    [Fact]
    public async Task A_row_found_damaged_by_a_lookup_rebuilds_the_index_from_the_verified_roles()
    {
        _repo.Project.ConvertToHashBins(8);
        var names = Enumerable.Range(0, 150).Select(i => $"pkg{i:D3}").ToArray();
        Publish(names);
        var trusted = await RefreshAsync();
        PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        var expected = PackageIndex.From(trusted).VersionsOf("pkg149").Single();

        // Damage pkg149's entry: opening the cache does not read that row.
        var damage = "UPDATE entries SET data = substr(data, 1, length(data) - 1) || x'00' WHERE name = 'pkg149'";
        IndexCacheFiles.Sql(_cache, damage);

        var updater = _repo.Updater(TimeSpan.FromHours(1));
        var chainOnly = (await updater.RefreshAsync(false, CancellationToken.None)).Trusted;
        Assert.Equal(["targets"], chainOnly.LoadedTargetRoles);
        var loads = 0;
        var index = PackageIndexCache.TryLoadWithoutRoles(_cache, chainOnly, PackageTrustPolicy.Default, _repo.Clock.Now,
            () => { loads++; updater.LoadStoredDelegations(chainOnly); });
        Assert.NotNull(index);
        Assert.Equal("pkg000", index.VersionsOf("pkg000").Single().Name); // an intact row: no rebuild
        Assert.Equal(0, loads);
        var found = index.VersionsOf("pkg149").Single();
        Assert.Equal(1, loads);
        Assert.Equal((expected.TargetPath, expected.Target.Sha256, expected.Role), (found.TargetPath, found.Target.Sha256, found.Role));
        Assert.Equal(names, index.Search("pkg").Select(e => e.Name));
        Assert.Equal(1, loads);
        // The cache was rewritten: whole again, every entry readable without the roles.
        var again = PackageIndexCache.TryLoadWithoutRoles(_cache, await RefreshAsync(loadDelegations: false), PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.NotNull(again);
        Assert.Equal(expected.Target.Sha256, again.VersionsOf("pkg149").Single().Target.Sha256);

        // Without a way to load the roles, the damaged row is an error, never wrong data.
        IndexCacheFiles.Sql(_cache, damage);
        var blind = PackageIndexCache.TryLoadWithoutRoles(_cache, chainOnly, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.NotNull(blind);
        Assert.Throws<InvalidDataException>(() => blind.VersionsOf("pkg149"));
    }

    [Fact]
    public async Task A_snapshot_that_changed_under_the_cache_is_not_served_from_it()
    {
        _repo.Project.ConvertToHashBins(4);
        Publish("alpha");
        var old = await RefreshAsync();
        PackageIndexCache.Load(_cache, old, PackageTrustPolicy.Default, _repo.Clock.Now);
        var oldKey = PackageIndexCache.KeyOf(old);

        Publish("beta");
        var now = await RefreshAsync();
        Assert.NotEqual(oldKey, PackageIndexCache.KeyOf(now));
        Assert.Equal(["alpha", "beta"], Names(PackageIndexCache.Load(_cache, now, PackageTrustPolicy.Default, _repo.Clock.Now)));
        Assert.Equal(PackageIndexCache.KeyOf(now), IndexCacheFiles.Scalar<string>(_cache, "SELECT key FROM meta"));
        Assert.Equal(PackageIndexCache.BaseKeyOf(now), IndexCacheFiles.Scalar<string>(_cache, "SELECT base_key FROM meta"));
    }

    [Fact]
    public async Task A_host_that_skips_many_versions_gets_the_full_current_index()
    {
        _repo.Project.ConvertToHashBins(16);
        Publish("first");
        var before = await RefreshAsync();
        PackageIndexCache.Load(_cache, before, PackageTrustPolicy.Default, _repo.Clock.Now);
        var expected = new List<string> { "first" };
        for (int i = 0; i < 25; i++)
        {
            var name = $"pkg{i:D2}";
            Publish(name);
            expected.Add(name);
        }
        var trusted = await RefreshAsync();
        Assert.Equal(before.Snapshot!.Header.Version + 25, trusted.Snapshot!.Header.Version);
        var index = PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.Equal(expected.Order(StringComparer.Ordinal).ToList(), Names(index));
        // Equal to a computation without the cache, entry for entry.
        var fresh = PackageIndex.From(trusted);
        Assert.Equal(fresh.Names.Order(StringComparer.Ordinal), index.Names.Order(StringComparer.Ordinal));
        foreach (var name in fresh.Names)
            Assert.Equal(fresh.VersionsOf(name).Select(e => (e.TargetPath, e.Target.Sha256, e.Role)), index.VersionsOf(name).Select(e => (e.TargetPath, e.Target.Sha256, e.Role)));
    }

    [Fact]
    public async Task A_cache_from_another_repository_or_policy_is_ignored_and_rebuilt()
    {
        Publish("alpha", "beta");
        var trusted = await RefreshAsync();
        using (var other = new ServedRepository())
        {
            // A valid cache file with another repository's key (here: its own snapshot) says nothing about this one.
            var blob = Path.Combine(Path.GetDirectoryName(_cache)!, "intruder.blob");
            File.WriteAllText(blob, "intruder");
            other.Project.AddTarget(RepositoryLayout.PackageTarget("intruder", "1.0.0"), blob,
                new JsonObject { ["stork"] = new JsonObject { ["name"] = "intruder", ["version"] = "1.0.0" } });
            other.Project.Publish();
            var theirs = (await other.Updater(TimeSpan.FromHours(1)).RefreshAsync(true, CancellationToken.None)).Trusted;
            PackageIndexCache.Load(_cache, theirs, PackageTrustPolicy.Default, _repo.Clock.Now);
        }
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        Assert.Null(PackageIndexCache.TrySummaryWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        Assert.Equal(["alpha", "beta"], Names(PackageIndexCache.Load(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now)));
        Assert.Equal(2, PackageIndexCache.TrySummaryWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now)!.Names);

        // The same snapshot under another trust policy is another index.
        var onlyBins = new PackageTrustPolicy(new HashSet<string> { "bin-x" });
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, onlyBins, _repo.Clock.Now));
        Assert.Empty(PackageIndexCache.Load(_cache, trusted, onlyBins, _repo.Clock.Now).Names);
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
    }

    [Fact]
    public async Task The_summary_for_refresh_reads_the_header_and_problems_and_refuses_damaged_ones()
    {
        Publish("alpha", "beta");
        var trusted = await RefreshAsync();
        var key = PackageIndexCache.KeyOf(trusted);
        var bad = new FoundTarget("packages/bad.stork", new TargetFile(1, new Dictionary<string, string> { ["sha256"] = "00" },
            new JsonObject { ["stork"] = new JsonObject { ["name"] = "bad", ["version"] = "not a version" } }), "targets");
        WriteCache(key, [.. TargetSearch.AllTrusted(trusted), bad]);
        var summary = PackageIndexCache.TrySummaryWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
        Assert.NotNull(summary);
        Assert.Equal(2, summary.Names);
        Assert.Contains("packages/bad.stork", Assert.Single(summary.Problems));

        // A changed problem row: refused by its check value, for the summary and for the whole index.
        IndexCacheFiles.Sql(_cache, "UPDATE problems SET text = 'other'");
        Assert.Null(PackageIndexCache.TrySummaryWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        // A meta row that claims another number of names than its check value covers: refused.
        WriteCache(key, TargetSearch.AllTrusted(trusted));
        IndexCacheFiles.Sql(_cache, "UPDATE meta SET names = 3");
        Assert.Null(PackageIndexCache.TrySummaryWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        Assert.Null(PackageIndexCache.TryLoadWithoutRoles(_cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
    }

    private void WriteCache(string key, IReadOnlyList<FoundTarget> found)
    {
        var index = new PackageIndex(found);
        PackageIndexCache.TryWrite(_cache, key, "no-base", index, [], _repo.Clock.Now.AddDays(1));
    }

    public void Dispose()
    {
        _repo.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(_cache)!, true); } catch (IOException) { }
    }
}
