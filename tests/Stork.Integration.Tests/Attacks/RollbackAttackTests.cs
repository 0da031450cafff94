using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attacks 3 and 7: rollback of each role, and mix-and-match of metadata versions.</summary>
public sealed class RollbackAttackTests
{
    [Fact]
    public async Task Rollback_of_the_timestamp_is_refused()
    {
        using var lab = new AttackLab();
        var oldTimestamp = File.ReadAllBytes(Path.Combine(lab.ServedMetadata, "timestamp.json"));
        lab.Repo.Publish();
        lab.Sync();
        await lab.InstallAsync("hello");
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "timestamp.json"), oldTimestamp);
        await AttackAssert.Refused<RollbackException>(lab, lab.RefreshAsync);
    }

    [Fact]
    public async Task Rollback_of_the_snapshot_signed_with_the_real_keys_is_refused()
    {
        using var lab = new AttackLab();
        lab.Repo.Publish();
        lab.Sync();
        await lab.InstallAsync("hello");
        // An attacker holding the snapshot and timestamp keys offers a newer snapshot that lists older targets.
        var snapshot = lab.Repo.CurrentSnapshot();
        var timestamp = lab.Repo.CurrentTimestamp();
        var older = new SnapshotMetadata(snapshot.Header with { Version = snapshot.Header.Version + 1 },
            new Dictionary<string, MetaFile> { ["targets.json"] = new MetaFile(1) });
        using var snapshotKey = lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var timestampKey = lab.Repo.Keys.Load(RoleNames.Timestamp);
        var snapshotBytes = LabSigning.Sign(older.ToSigned(), snapshotKey);
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, $"{older.Header.Version}.snapshot.json"), snapshotBytes);
        var newTimestamp = new TimestampMetadata(timestamp.Header with { Version = timestamp.Header.Version + 1 },
            new MetaFile(older.Header.Version, snapshotBytes.Length, new Dictionary<string, string> { ["sha256"] = Stork.Format.Crypto.Hashing.Sha256Hex(snapshotBytes) }));
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "timestamp.json"), LabSigning.Sign(newTimestamp.ToSigned(), timestampKey));
        var error = await AttackAssert.Refused<RollbackException>(lab, lab.RefreshAsync, "timestamp.json");
        Assert.Contains("targets.json", error.Message);
    }

    [Fact]
    public async Task Rollback_of_targets_under_the_new_version_name_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        var oldTargets = File.ReadAllBytes(Path.Combine(lab.ServedMetadata, $"{lab.Repo.CurrentTargets().Header.Version}.targets.json"));
        lab.Repo.Publish();
        lab.Sync();
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, $"{lab.Repo.CurrentTargets().Header.Version}.targets.json"), oldTargets);
        await AttackAssert.Refused<ContentMismatchException>(lab, lab.RefreshAsync, "timestamp.json", "snapshot.json");
    }

    [Fact]
    public async Task Rollback_of_root_served_as_the_next_version_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        File.Copy(Path.Combine(lab.ServedMetadata, "1.root.json"), Path.Combine(lab.ServedMetadata, "2.root.json"));

        // Within the root check interval a refresh that finds nothing new does not ask for 2.root.json: nothing is accepted.
        var trustedBefore = lab.TrustedMetadata();
        var requestsBefore = lab.Nginx.Requests().Count;
        await lab.RefreshAsync();
        Assert.Equal(trustedBefore, lab.TrustedMetadata());
        Assert.DoesNotContain(lab.Nginx.Requests().Skip(requestsBefore), l => l.StartsWith("GET /metadata/2.root.json", StringComparison.Ordinal));

        // The next root check meets the attack.
        lab.PassRootCheckInterval();
        await AttackAssert.Refused<BadVersionException>(lab, lab.RefreshAsync);
    }

    [Fact]
    public async Task Mix_and_match_of_a_snapshot_from_another_version_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        var mixed = File.ReadAllBytes(Path.Combine(lab.ServedMetadata, $"{lab.Repo.CurrentSnapshot().Header.Version}.snapshot.json"));
        lab.Repo.Publish();
        lab.Sync();
        // New timestamp, but the snapshot it names replaced by the previous one (validly signed, wrong version).
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, $"{lab.Repo.CurrentSnapshot().Header.Version}.snapshot.json"), mixed);
        await AttackAssert.Refused<ContentMismatchException>(lab, lab.RefreshAsync, "timestamp.json");
    }
}
