using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Pure edits of a role's key list and threshold, for top-level roles (in root) and delegated roles
/// (in their delegator's <c>delegations</c>). Keys no role uses any more are dropped from the key table.
/// </summary>
public static class RoleKeyEditing
{
    public static bool SameKeys(RoleKeys a, RoleKeys b)
        => a.Threshold == b.Threshold && a.KeyIds.Order(StringComparer.Ordinal).SequenceEqual(b.KeyIds.Order(StringComparer.Ordinal));

    /// <summary>Refuses a root no one could ever satisfy: a role with fewer keys than its threshold.</summary>
    public static void Validate(RootMetadata root)
    {
        foreach (var (name, role) in root.Roles) CheckRole(name, role, root.Keys);
    }

    public static void CheckRole(string name, RoleKeys role, IReadOnlyDictionary<string, PublicKey> keys)
    {
        if (role.Threshold < 1) throw new PublisherException($"role '{name}': the threshold must be at least 1");
        if (role.KeyIds.Count < role.Threshold)
            throw new PublisherException($"role '{name}' would have {role.KeyIds.Count} key(s) but threshold {role.Threshold}; lower the threshold first or add keys");
        foreach (var id in role.KeyIds)
            if (!keys.ContainsKey(id)) throw new PublisherException($"role '{name}' lists key {id}, which is not in the key table");
    }

    public static RoleKeys AddKey(string roleName, RoleKeys role, string keyId)
    {
        if (role.KeyIds.Contains(keyId)) throw new PublisherException($"key {keyId} already belongs to role '{roleName}'");
        return role with { KeyIds = [.. role.KeyIds, keyId] };
    }

    public static RoleKeys RemoveKey(string roleName, RoleKeys role, string keyId)
    {
        if (!role.KeyIds.Contains(keyId)) throw new PublisherException($"key {keyId} does not belong to role '{roleName}'");
        var left = role.KeyIds.Where(k => k != keyId).ToList();
        if (left.Count == 0) throw new PublisherException($"key {keyId} is the last key of role '{roleName}'; use 'key rotate' to replace it");
        if (left.Count < role.Threshold)
            throw new PublisherException($"removing key {keyId} leaves role '{roleName}' {left.Count} key(s) for threshold {role.Threshold}; lower the threshold first");
        return role with { KeyIds = left };
    }

    public static RoleKeys SetThreshold(string roleName, RoleKeys role, int threshold)
    {
        if (threshold < 1 || threshold > role.KeyIds.Count)
            throw new PublisherException($"role '{roleName}' has {role.KeyIds.Count} key(s); its threshold must be between 1 and {role.KeyIds.Count}");
        return role with { Threshold = threshold };
    }

    /// <summary>Resolves a full key ID or a unique prefix of at least 8 hex digits among a role's keys.</summary>
    public static string ResolveKeyId(string roleName, RoleKeys role, string idOrPrefix)
    {
        var wanted = idOrPrefix.ToLowerInvariant();
        if (wanted.Length < 8) throw new PublisherException($"key ID '{idOrPrefix}' is too short; give at least 8 hex digits");
        var matches = role.KeyIds.Where(k => k.StartsWith(wanted, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new PublisherException($"role '{roleName}' has no key {idOrPrefix} (its keys: {string.Join(", ", role.KeyIds)})"),
            _ => throw new PublisherException($"key ID prefix '{idOrPrefix}' matches several keys of role '{roleName}'"),
        };
    }

    /// <summary>The key table with only the keys some role still lists.</summary>
    public static Dictionary<string, PublicKey> Prune(IReadOnlyDictionary<string, PublicKey> keys, IEnumerable<RoleKeys> roles)
    {
        var used = roles.SelectMany(r => r.KeyIds).ToHashSet(StringComparer.Ordinal);
        return keys.Where(k => used.Contains(k.Key)).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
    }

    /// <summary>Applies an edit to one top-level role of a root.</summary>
    public static RootMetadata EditRole(RootMetadata root, string roleName, Func<RoleKeys, RoleKeys> edit, PublicKey? newKey = null)
    {
        if (!root.Roles.ContainsKey(roleName)) throw new PublisherException($"root has no role '{roleName}'");
        var roles = root.Roles.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        roles[roleName] = edit(roles[roleName]);
        var keys = root.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        if (newKey is not null) keys[newKey.KeyId] = newKey;
        return root with { Roles = roles, Keys = Prune(keys, roles.Values) };
    }
}
