using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Integration.Tests.Attacks;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// The diamond-delegation hole of issue 12, end to end through the host workflow and a real nginx. Top-level targets
/// delegates packages/libdemo/* to team-a and packages/greet-data/* to team-b; both delegate to role "release" with
/// their own key for it; "release" lists both packages but is signed only with team-a's key. libdemo installs;
/// greet-data is signed by a key with no authority for it and must be neither shown nor installed, whatever the order.
/// </summary>
public sealed class DiamondDelegationEndToEndTests : IDisposable
{
    private readonly AttackLab _lab = new();

    private void ServeDiamond()
    {
        using var targetsKey = _lab.Repo.Keys.Load(RoleNames.Targets);
        using var snapshotKey = _lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var timestampKey = _lab.Repo.Keys.Load(RoleNames.Timestamp);
        using var teamA = SigningKey.Generate();
        using var teamB = SigningKey.Generate();
        using var releaseViaA = SigningKey.Generate();
        using var releaseViaB = SigningKey.Generate();
        var targets = _lab.Repo.CurrentTargets();
        var snapshot = _lab.Repo.CurrentSnapshot();
        var timestamp = _lab.Repo.CurrentTimestamp();
        var expires = targets.Header.Expires;
        bool Moved(string path) => path.StartsWith("packages/libdemo/", StringComparison.Ordinal) || path.StartsWith("packages/greet-data/", StringComparison.Ordinal);
        Assert.Contains(targets.Targets.Keys, p => p.StartsWith("packages/greet-data/", StringComparison.Ordinal));

        DelegatedRole Role(string name, SigningKey key, string path) => new(name, new RoleKeys([key.KeyId], 1), false, [path], null);
        Delegations Of(DelegatedRole role, SigningKey key) => new(new Dictionary<string, PublicKey> { [key.KeyId] = key.Public }, [role]);
        var files = new Dictionary<string, (long Version, byte[] Bytes)>();
        void Write(string role, long version, TargetsMetadata content, SigningKey key)
        {
            var bytes = LabSigning.Sign((content with { Header = new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, version, expires) }).ToSigned(), key);
            File.WriteAllBytes(Path.Combine(_lab.ServedMetadata, RepositoryLayout.VersionedMetadata(role, version)), bytes);
            files[$"{role}.json"] = (version, bytes);
        }
        var top = new Delegations(new Dictionary<string, PublicKey> { [teamA.KeyId] = teamA.Public, [teamB.KeyId] = teamB.Public },
            [Role("team-a", teamA, "packages/libdemo/*"), Role("team-b", teamB, "packages/greet-data/*")]);
        Write(RoleNames.Targets, targets.Header.Version + 1, new TargetsMetadata(targets.Header, targets.Targets.Where(t => !Moved(t.Key)).ToDictionary(), top), targetsKey);
        Write("team-a", 1, new TargetsMetadata(targets.Header, new Dictionary<string, TargetFile>(), Of(Role("release", releaseViaA, "packages/libdemo/*"), releaseViaA)), teamA);
        Write("team-b", 1, new TargetsMetadata(targets.Header, new Dictionary<string, TargetFile>(), Of(Role("release", releaseViaB, "packages/greet-data/*"), releaseViaB)), teamB);
        Write("release", 1, new TargetsMetadata(targets.Header, targets.Targets.Where(t => Moved(t.Key)).ToDictionary(), null), releaseViaA);

        var meta = snapshot.Meta.ToDictionary(m => m.Key, m => m.Value);
        foreach (var (file, (version, bytes)) in files)
            meta[file] = new MetaFile(version, bytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(bytes) });
        var newSnapshot = new SnapshotMetadata(snapshot.Header with { Version = snapshot.Header.Version + 1 }, meta);
        var snapshotBytes = LabSigning.Sign(newSnapshot.ToSigned(), snapshotKey);
        File.WriteAllBytes(Path.Combine(_lab.ServedMetadata, RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, newSnapshot.Header.Version)), snapshotBytes);
        var newTimestamp = new TimestampMetadata(timestamp.Header with { Version = timestamp.Header.Version + 1 },
            new MetaFile(newSnapshot.Header.Version, snapshotBytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(snapshotBytes) }));
        File.WriteAllBytes(Path.Combine(_lab.ServedMetadata, "timestamp.json"), LabSigning.Sign(newTimestamp.ToSigned(), timestampKey));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Only_the_walk_correct_package_installs_whatever_the_lookup_order(bool goodFirst)
    {
        ServeDiamond();
        await _lab.RefreshAsync();
        async Task Good() => await _lab.InstallAsync("libdemo");
        async Task Bad()
        {
            var e = await Assert.ThrowsAnyAsync<StorkException>(() => _lab.InstallAsync("greet-data"));
            Assert.Equal(ErrorClass.RequestCannotBeMet, e.Class);
        }
        if (goodFirst) { await Good(); await Bad(); }
        else { await Bad(); await Good(); }
        var installed = _lab.Installed().Select(p => p.Name).ToList();
        Assert.Contains("libdemo", installed);
        Assert.DoesNotContain("greet-data", installed);
    }

    public void Dispose() => _lab.Dispose();
}
