using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attacks 8, 10, 11 and 12: fast-forward and recovery, threshold, duplicate signatures, revoked keys.</summary>
public sealed class KeyAttackTests
{
    [Fact]
    public async Task Fast_forward_attack_is_recovered_by_rotating_the_timestamp_key()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        // An attacker with the timestamp key pushes the host's timestamp version far ahead.
        var timestamp = lab.Repo.CurrentTimestamp();
        using (var stolen = lab.Repo.Keys.Load(RoleNames.Timestamp))
        {
            var ahead = new TimestampMetadata(timestamp.Header with { Version = 1000 }, timestamp.Snapshot);
            File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "timestamp.json"), LabSigning.Sign(ahead.ToSigned(), stolen));
        }
        await lab.RefreshAsync();

        // The real repository moves on: without a key rotation the host would be frozen (rollback).
        lab.Repo.Publish();
        lab.Sync();
        await Assert.ThrowsAsync<RollbackException>(lab.RefreshAsync);

        // Rotating the timestamp key (root v2) makes the host drop the fast-forwarded timestamp and recover.
        using var newTimestampKey = SigningKey.Generate();
        LabSigning.RotateRole(lab, RoleNames.Timestamp, [newTimestampKey], 1);
        lab.Repo.Keys.Save(RoleNames.Timestamp, newTimestampKey);
        lab.Repo.Publish();
        lab.Sync();
        await lab.InstallAsync("libdemo");
        Assert.Contains(lab.Installed(), p => p.Name == "libdemo");
    }

    [Fact]
    public async Task Signatures_below_the_threshold_are_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        using var first = lab.Repo.Keys.Load(RoleNames.Timestamp);
        using var second = SigningKey.Generate();
        LabSigning.RotateRole(lab, RoleNames.Timestamp, [first, second], threshold: 2);
        lab.Sync();
        // A timestamp carrying one valid signature where the root now demands two.
        using var snapshotKey = lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var targetsKey = lab.Repo.Keys.Load(RoleNames.Targets);
        ServedChain.Write(lab, [targetsKey], [snapshotKey], null, first);
        var error = await AttackAssert.Refused<UnsignedMetadataException>(lab, lab.RefreshAsync, "root.json", "timestamp.json", "snapshot.json");
        Assert.Contains("threshold is 2", error.Message);
    }

    [Fact]
    public async Task A_duplicated_signature_does_not_count_twice()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        using var first = lab.Repo.Keys.Load(RoleNames.Timestamp);
        using var second = SigningKey.Generate();
        LabSigning.RotateRole(lab, RoleNames.Timestamp, [first, second], threshold: 2);
        lab.Sync();
        using var snapshotKey = lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var targetsKey = lab.Repo.Keys.Load(RoleNames.Targets);
        ServedChain.Write(lab, [targetsKey], [snapshotKey], bytes =>
        {
            var envelope = SignedEnvelope.Parse(bytes, "timestamp");
            envelope.Signatures.Add(envelope.Signatures[0]);
            return envelope.ToBytes();
        }, first);
        // TUF §4.2: a keyid that signs twice makes the file malformed, whatever its signatures are worth.
        var error = await AttackAssert.Refused<MetadataFormatException>(lab, lab.RefreshAsync, "root.json", "timestamp.json", "snapshot.json");
        Assert.Contains("signs twice", error.Message);
    }

    [Fact]
    public async Task Metadata_signed_by_a_revoked_key_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        using var revoked = lab.Repo.Keys.Load(RoleNames.Targets);
        using var replacement = SigningKey.Generate();
        LabSigning.RotateRole(lab, RoleNames.Targets, [replacement], 1);
        lab.Sync();
        // The holder of the revoked targets key still publishes targets; snapshot and timestamp keys are still valid.
        using var snapshotKey = lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var timestampKey = lab.Repo.Keys.Load(RoleNames.Timestamp);
        ServedChain.Write(lab, [revoked], [snapshotKey], null, timestampKey);
        var error = await AttackAssert.Refused<UnsignedMetadataException>(lab, lab.RefreshAsync, "root.json", "timestamp.json", "snapshot.json");
        Assert.Contains("targets", error.Message);
    }
}
