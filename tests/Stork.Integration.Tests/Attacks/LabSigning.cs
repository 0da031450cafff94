using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Integration.Tests.Attacks;

/// <summary>What an attacker holding some keys (or a publisher rotating them) can write into the lab's repository.</summary>
public static class LabSigning
{
    /// <summary>Signs arbitrary signed content with the given keys and returns the file bytes.</summary>
    public static byte[] Sign(JsonObject signed, params SigningKey[] keys)
    {
        var envelope = new SignedEnvelope(signed);
        foreach (var key in keys) envelope.Sign(key);
        return envelope.ToBytes();
    }

    /// <summary>
    /// Writes root N+1 in the publisher's tree giving <paramref name="role"/> the new keys and threshold,
    /// signed by the current root key (and by the new root key when root itself changes).
    /// </summary>
    public static RootMetadata RotateRole(AttackLab lab, string role, IReadOnlyList<SigningKey> newKeys, int threshold)
    {
        var current = lab.Repo.CurrentRoot();
        var keys = current.Keys.ToDictionary(k => k.Key, k => k.Value);
        foreach (var id in current.Role(role).KeyIds)
            if (current.Roles.Where(r => r.Key != role).All(r => !r.Value.KeyIds.Contains(id))) keys.Remove(id);
        foreach (var key in newKeys) keys[key.KeyId] = key.Public;
        var roles = current.Roles.ToDictionary(r => r.Key, r => r.Value);
        roles[role] = new RoleKeys(newKeys.Select(k => k.KeyId).ToList(), threshold);
        var next = current with
        {
            Header = current.Header with { Version = current.Header.Version + 1 },
            Keys = keys,
            Roles = roles,
        };
        using var oldRootKey = lab.Repo.Keys.Load(RoleNames.Root);
        var signers = new List<SigningKey> { oldRootKey };
        if (role == RoleNames.Root) signers.AddRange(newKeys);
        var bytes = Sign(next.ToSigned(), signers.ToArray());
        File.WriteAllBytes(Path.Combine(lab.Repo.MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Root, next.Header.Version)), bytes);
        File.WriteAllBytes(Path.Combine(lab.Repo.MetadataDir, "root.json"), bytes);
        return next;
    }
}

/// <summary>Writes a new targets → snapshot → timestamp chain straight into the served tree, signed as the attacker chooses.</summary>
public static class ServedChain
{
    public static void Write(AttackLab lab, SigningKey[] targetsSigners, SigningKey[] snapshotSigners, Func<byte[], byte[]>? editTimestamp = null, params SigningKey[] timestampSigners)
        => Write(lab, t => t, targetsSigners, snapshotSigners, editTimestamp, timestampSigners);

    /// <param name="editTargets">Changes the targets list (for example a target's hashes) before it is signed.</param>
    public static void Write(AttackLab lab, Func<TargetsMetadata, TargetsMetadata> editTargets, SigningKey[] targetsSigners, SigningKey[] snapshotSigners,
        Func<byte[], byte[]>? editTimestamp = null, params SigningKey[] timestampSigners)
    {
        var targets = editTargets(lab.Repo.CurrentTargets());
        var snapshot = lab.Repo.CurrentSnapshot();
        var timestamp = lab.Repo.CurrentTimestamp();
        var newTargets = targets with { Header = targets.Header with { Version = targets.Header.Version + 1 } };
        var targetsBytes = LabSigning.Sign(newTargets.ToSigned(), targetsSigners);
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, $"{newTargets.Header.Version}.targets.json"), targetsBytes);

        var meta = snapshot.Meta.ToDictionary(m => m.Key, m => m.Value);
        meta["targets.json"] = new MetaFile(newTargets.Header.Version, targetsBytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(targetsBytes) });
        var newSnapshot = new SnapshotMetadata(snapshot.Header with { Version = snapshot.Header.Version + 1 }, meta);
        var snapshotBytes = LabSigning.Sign(newSnapshot.ToSigned(), snapshotSigners);
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, $"{newSnapshot.Header.Version}.snapshot.json"), snapshotBytes);

        var newTimestamp = new TimestampMetadata(timestamp.Header with { Version = timestamp.Header.Version + 1 },
            new MetaFile(newSnapshot.Header.Version, snapshotBytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(snapshotBytes) }));
        var timestampBytes = LabSigning.Sign(newTimestamp.ToSigned(), timestampSigners);
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "timestamp.json"), editTimestamp is null ? timestampBytes : editTimestamp(timestampBytes));
    }
}
