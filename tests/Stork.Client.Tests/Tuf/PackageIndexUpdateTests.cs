using System.Text.Json.Nodes;
using Stork.Client.Packages;
using Stork.Client.Tests.Packages;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tests.Tuf;

/// <summary>
/// The package index updated for the changed roles only (<see cref="PackageIndexUpdate"/>): equal to an index built
/// from every verified role after any sequence of changes, only the changed roles fetched and verified, and a full
/// build (null) whenever the chain changed (delegator keys, root), the record or the stored copy is damaged, or a role
/// it would keep has expired.
/// </summary>
public sealed class PackageIndexUpdateTests : IDisposable
{
    private readonly ServedRepository _repo = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-index-update-").FullName;
    private string Cache => Path.Combine(_dir, "package-index.db");

    private void Add(string name, string version, params string[] provides)
    {
        var blob = Path.Combine(_dir, $"{name}-{version}.blob");
        File.WriteAllText(blob, $"{name} {version}");
        var info = new JsonObject { ["name"] = name, ["version"] = version, ["summary"] = $"{name} at {version}" };
        if (provides.Length > 0) info["provides"] = new JsonArray(provides.Select(p => (JsonNode)JsonValue.Create(p)).ToArray());
        _repo.Project.AddTarget(RepositoryLayout.PackageTarget(name, version), blob, new JsonObject { ["stork"] = info });
    }

    /// <summary>A refresh of the top-level roles, then the update as a refresh does it (null: the caller builds in full).</summary>
    private async Task<(PackageIndex? Updated, TrustedMetadata Trusted)> UpdateAsync() => await UpdateAsync(null);

    private async Task<(PackageIndex? Updated, TrustedMetadata Trusted)> UpdateAsync(DateTimeOffset? now)
    {
        var updater = _repo.Updater(TimeSpan.FromHours(1));
        var (trusted, _) = await updater.RefreshAsync(false, CancellationToken.None);
        var updated = await PackageIndexUpdate.TryUpdateAsync(Cache, trusted, PackageTrustPolicy.Default, now ?? _repo.Clock.Now,
            updater.IndexUpdateClient(trusted, CancellationToken.None));
        return (updated, trusted);
    }

    /// <summary>The index built from every role, verified (what the host had before updates), written to the cache.</summary>
    private async Task<PackageIndex> FullAsync()
    {
        var trusted = (await _repo.Updater(TimeSpan.FromHours(1)).RefreshAsync(true, CancellationToken.None)).Trusted;
        return PackageIndexCache.Load(Cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now);
    }

    private static string Describe(PackageEntry e)
        => $"{e.TargetPath}|{e.Role}|{e.Target.Sha256}|{e.Candidate}|{e.Summary}|{string.Join(";", e.Candidate.Provides)}";

    private static void AssertSame(PackageIndex expected, PackageIndex actual)
    {
        Assert.Equal(expected.Names.Order(StringComparer.Ordinal), actual.Names.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Problems, actual.Problems);
        foreach (var name in expected.Names.Concat(["virtual-a", "virtual-b", "pkg-00"]))
        {
            Assert.Equal(expected.VersionsOf(name).Select(Describe), actual.VersionsOf(name).Select(Describe));
            Assert.Equal(expected.ProvidersOf(name).Select(c => $"{c} {string.Join(";", c.Provides)}"), actual.ProvidersOf(name).Select(c => $"{c} {string.Join(";", c.Provides)}"));
        }
    }

    [Fact]
    public async Task Updates_over_random_changes_equal_a_full_build_and_fetch_only_the_changed_bins()
    {
        _repo.Project.ConvertToHashBins(16);
        var random = new Random(20261130);
        var names = Enumerable.Range(0, 12).Select(i => $"pkg-{i:D2}").ToArray();
        var published = new List<(string Name, string Version)>();
        foreach (var name in names.Take(6)) { Add(name, "1.0.0"); published.Add((name, "1.0.0")); }
        _repo.Project.Publish();
        await FullAsync();
        int updates = 0;
        for (int step = 0; step < 12; step++)
        {
            // One to three changes: a new version (some providing a virtual name or another package's name, which
            // the owners rule refuses across roles), a withdrawal (published at once), or a new name.
            bool added = false;
            for (int change = random.Next(1, 4); change > 0; change--)
            {
                if (published.Count > 2 && random.Next(4) == 0)
                {
                    var gone = published[random.Next(published.Count)];
                    _repo.Project.RemovePackage(gone.Name, gone.Version);
                    published.Remove(gone);
                    continue;
                }
                var name = names[random.Next(names.Length)];
                var version = $"{step + 2}.{change}.0";
                string[] provides = random.Next(3) switch { 0 => ["virtual-a"], 1 => [names[random.Next(names.Length)]], _ => [] };
                Add(name, version, provides);
                published.Add((name, version));
                added = true;
            }
            if (added) _repo.Project.Publish();
            int before = _repo.Requested.Count;
            var (updated, trusted) = await UpdateAsync();
            var fetched = _repo.Requested.Skip(before).ToList();
            Assert.NotNull(updated);
            updates++;
            // timestamp, snapshot, targets unchanged (not fetched), and only bins.
            Assert.All(fetched.Where(f => f.Contains("bins-")), f => Assert.True(trusted.Snapshot!.Meta.ContainsKey(f[(f.IndexOf('.') + 1)..])));
            Assert.True(fetched.Count(f => f.Contains("bins-")) <= 3, string.Join(", ", fetched));
            var full = PackageIndex.From((await _repo.Updater(TimeSpan.FromHours(1)).RefreshAsync(true, CancellationToken.None)).Trusted);
            AssertSame(full, updated);
            // The updated cache is the one for this snapshot now.
            Assert.NotNull(PackageIndexCache.TryLoadWithoutRoles(Cache, trusted, PackageTrustPolicy.Default, _repo.Clock.Now));
        }
        Assert.Equal(12, updates);
    }

    [Fact]
    public async Task A_host_that_skips_many_versions_is_updated_when_few_bins_changed_and_rebuilt_when_many_did()
    {
        _repo.Project.ConvertToHashBins(16);
        Add("first", "1.0.0");
        _repo.Project.Publish();
        await FullAsync();
        for (int i = 0; i < 10; i++) { Add("first", $"1.{i + 1}.0"); _repo.Project.Publish(); }
        var (updated, trusted) = await UpdateAsync();
        Assert.NotNull(updated);
        Assert.Equal(11, updated.VersionsOf("first").Count);
        Assert.Equal("1.10.0", updated.VersionsOf("first")[0].Version);

        for (int i = 0; i < 40; i++) Add($"many-{i:D2}", "1.0.0");
        _repo.Project.Publish();
        Assert.Null((await UpdateAsync()).Updated); // most bins changed: a full build is cheaper
        var full = await FullAsync();
        Assert.Equal(41, full.Names.Count);
    }

    [Fact]
    public async Task A_key_rotation_in_the_delegator_forces_a_full_build()
    {
        _repo.Project.ConvertToHashBins(8);
        Add("alpha", "1.0.0");
        _repo.Project.Publish();
        await FullAsync();
        var bin = _repo.Project.CurrentTargets().Delegations!.Roles[0].Name;
        _repo.Project.RotateKey(bin, null);
        Add("beta", "1.0.0");
        _repo.Project.Publish();
        Assert.Null((await UpdateAsync()).Updated);
        Assert.Equal(["alpha", "beta"], (await FullAsync()).Names.Order(StringComparer.Ordinal));
        // After the full build, the next change is an update again.
        Add("gamma", "1.0.0");
        _repo.Project.Publish();
        Assert.Equal(["alpha", "beta", "gamma"], (await UpdateAsync()).Updated!.Names.Order(StringComparer.Ordinal));

        // A damaged entry row the update reads (the other version of a name it touches): found, nothing changed.
        Add("beta", "2.0.0");
        _repo.Project.Publish();
        IndexCacheFiles.Sql(Cache, "UPDATE entries SET data = data || x'00' WHERE name = 'beta'");
        Assert.Null((await UpdateAsync()).Updated);
        Assert.Equal(1, IndexCacheFiles.Scalar<int>(Cache, "SELECT count(*) FROM entries WHERE name = 'beta'"));
    }

    [Fact]
    public async Task A_damaged_record_cache_or_stored_copy_and_an_expired_kept_role_force_a_full_build()
    {
        _repo.Project.ConvertToHashBins(8);
        Add("alpha", "1.0.0");
        Add("beta", "1.0.0");
        _repo.Project.Publish();
        await FullAsync();
        var good = IndexCacheFiles.Save(Cache);
        Add("gamma", "1.0.0");
        _repo.Project.Publish();
        var gammaBin = _repo.Project.CurrentSnapshot().Meta.Keys.First(k => k.StartsWith("bins-", StringComparison.Ordinal)
            && _repo.Project.TryCurrentTargets(k[..^5])!.Targets.Keys.Any(p => p.Contains("gamma")))[..^5];
        var storedBin = _repo.Store.Read(gammaBin)!;

        // A changed role record: refused by its check value.
        IndexCacheFiles.Sql(Cache, $"UPDATE roles SET record = replace(record, '\"version\":', '\"version\": ') WHERE name = '{gammaBin}'");
        Assert.Null((await UpdateAsync()).Updated);
        // A changed meta row.
        IndexCacheFiles.Restore(Cache, good);
        IndexCacheFiles.Sql(Cache, "UPDATE meta SET expires = expires + 1");
        Assert.Null((await UpdateAsync()).Updated);
        // The stored copy of the changed bin is not the one its record was verified for.
        IndexCacheFiles.Restore(Cache, good);
        var tampered = storedBin.ToArray();
        tampered[^3] ^= 0x01;
        _repo.Store.Write(gammaBin, tampered);
        Assert.Null((await UpdateAsync()).Updated);
        _repo.Store.Delete(gammaBin);
        IndexCacheFiles.Restore(Cache, good);
        Assert.Null((await UpdateAsync()).Updated);
        // A cache for another root version (the chain changed): not a base for updates.
        _repo.Store.Write(gammaBin, storedBin);
        IndexCacheFiles.Restore(Cache, good);
        IndexCacheFiles.SetMeta(Cache, baseKey: new string('0', 64));
        Assert.Null((await UpdateAsync()).Updated);

        // Intact: updated.
        IndexCacheFiles.Restore(Cache, good);
        Assert.Equal(["alpha", "beta", "gamma"], (await UpdateAsync()).Updated!.Names.Order(StringComparer.Ordinal));

        // A damaged entry row the update reads (the other version of a name it touches): found, nothing changed.
        Add("beta", "2.0.0");
        _repo.Project.Publish();
        IndexCacheFiles.Sql(Cache, "UPDATE entries SET data = data || x'00' WHERE name = 'beta'");
        Assert.Null((await UpdateAsync()).Updated);
        Assert.Equal(1, IndexCacheFiles.Scalar<int>(Cache, "SELECT count(*) FROM entries WHERE name = 'beta'"));
    }

    [Fact]
    public async Task A_kept_role_that_expired_is_not_kept_and_a_changed_role_that_does_not_verify_is_an_error()
    {
        _repo.Project.ConvertToHashBins(8);
        Add("alpha", "1.0.0");
        _repo.Project.Publish();
        await FullAsync();
        var earliest = _repo.Project.CurrentRoles().Min(r => r.Metadata.Header.Expires);

        // A changed bin served with a bad signature: a repository error, as a full build reports it.
        Add("beta", "1.0.0");
        _repo.Project.Publish();
        var snapshot = _repo.Project.CurrentSnapshot();
        var (file, meta) = snapshot.Meta.First(m => m.Key.StartsWith("bins-", StringComparison.Ordinal)
            && _repo.Project.TryCurrentTargets(m.Key[..^5])!.Targets.Keys.Any(p => p.Contains("beta")));
        var served = File.ReadAllBytes(Path.Combine(_repo.Project.MetadataDir, $"{meta.Version}.{file}"));
        _repo.Overrides[$"{meta.Version}.{file}"] = [.. served[..^5], (byte)'0', .. served[^4..]];
        await Assert.ThrowsAnyAsync<RepositoryException>(UpdateAsync);
        _repo.Overrides.Clear();
        Assert.Equal(["alpha", "beta"], (await FullAsync()).Names.Order(StringComparer.Ordinal));

        // Past the earliest expiry of the roles it keeps, the record is not trusted: a full build re-verifies them.
        Add("gamma", "1.0.0");
        _repo.Project.Publish();
        Assert.Null((await UpdateAsync(earliest.AddSeconds(1))).Updated);
        Assert.NotNull((await UpdateAsync(earliest.AddSeconds(-1))).Updated);
    }

    public void Dispose()
    {
        _repo.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
