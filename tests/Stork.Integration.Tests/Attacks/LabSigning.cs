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
