using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Key and threshold changes of a role. A top-level role changes in root (see <c>.Root.cs</c>); a delegated
/// role changes in its delegator's <c>delegations</c>, after which the delegator and the role itself are re-signed.
/// </summary>
public sealed partial class RepositoryProject
{
    /// <summary>Adds a key to a role: the given one, or a newly generated one kept in the key store.</summary>
    public KeyChange AddKey(string role, KeyFiles.KeyFile? given, bool offline = false, IEnumerable<SigningKey>? extraKeys = null)
    {
        var (key, savedAt, isNew) = TakeKey(role, given);
        var change = UndoKeyOnFailure(savedAt, isNew, () => EditRoleKeys(role, rk => RoleKeyEditing.AddKey(role, rk, key.KeyId), key, offline, extraKeys));
        return change with { KeyId = key.KeyId, PrivateKeyFile = savedAt };
    }

    public KeyChange RemoveKey(string role, string keyIdOrPrefix, bool offline = false, IEnumerable<SigningKey>? extraKeys = null)
    {
        string? removed = null;
        var change = EditRoleKeys(role, rk =>
        {
            removed = RoleKeyEditing.ResolveKeyId(role, rk, keyIdOrPrefix);
            return RoleKeyEditing.RemoveKey(role, rk, removed);
        }, null, offline, extraKeys);
        return change with { KeyId = removed };
    }

    /// <summary>Replaces all keys of a role by one key (threshold 1).</summary>
    public KeyChange RotateKey(string role, KeyFiles.KeyFile? given, bool offline = false, IEnumerable<SigningKey>? extraKeys = null)
    {
        var (key, savedAt, isNew) = TakeKey(role, given);
        var change = UndoKeyOnFailure(savedAt, isNew, () => EditRoleKeys(role, _ => new RoleKeys([key.KeyId], 1), key, offline, extraKeys));
        return change with { KeyId = key.KeyId, PrivateKeyFile = savedAt };
    }

    public KeyChange SetThreshold(string role, int threshold, bool offline = false, IEnumerable<SigningKey>? extraKeys = null)
        => EditRoleKeys(role, rk => RoleKeyEditing.SetThreshold(role, rk, threshold), null, offline, extraKeys);

    /// <summary>The key's public half; a private half (generated or given) is copied into the key store.</summary>
    private (PublicKey Key, string? SavedAt, bool IsNew) TakeKey(string role, KeyFiles.KeyFile? given)
    {
        if (given is { Private: null }) return (given.Public, null, false);
        using var generated = given is null ? SigningKey.Generate() : null;
        var key = given?.Private ?? generated!;
        if (Keys.FilesByKeyId().TryGetValue(key.KeyId, out var already)) return (key.Public, already, false);
        return (key.Public, Keys.SaveLabelled(role, key), true);
    }

    /// <summary>A key file written for a change that then failed would only confuse; remove it again.</summary>
    private static KeyChange UndoKeyOnFailure(string? savedAt, bool isNew, Func<KeyChange> change)
    {
        try { return change(); }
        catch when (isNew && savedAt is not null)
        {
            File.Delete(savedAt);
            throw;
        }
    }

    private KeyChange EditRoleKeys(string role, Func<RoleKeys, RoleKeys> edit, PublicKey? newKey, bool offline, IEnumerable<SigningKey>? extraKeys)
    {
        using var keys = new SigningKeys(Keys, extraKeys);
        if (RoleNames.TopLevel.Contains(role))
        {
            var change = ChangeRoot(r => RoleKeyEditing.EditRole(r, role, edit, newKey), offline, keys);
            return new KeyChange(role, change.Version, change.Published, change.ResignedRoles);
        }
        if (offline) throw new PublisherException($"--offline applies to top-level roles only; '{role}' is a delegated role, signed by its delegator's keys");
        return EditDelegatedRoleKeys(role, edit, newKey, keys);
    }

    private KeyChange EditDelegatedRoleKeys(string role, Func<RoleKeys, RoleKeys> edit, PublicKey? newKey, SigningKeys keys)
    {
        var root = CurrentRoot();
        var roles = CurrentRoles(root);
        var walked = roles.FirstOrDefault(r => r.Name == role)
            ?? throw new PublisherException($"role '{role}' is neither a top-level role nor delegated in this repository");
        var parent = roles.First(r => r.Name == walked.Slot.Delegator);
        var delegations = parent.Metadata.Delegations!;
        var edited = delegations.Roles.Select(d => d.Name == role ? d with { Keys = edit(d.Keys) } : d).ToList();
        var keyTable = delegations.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        if (newKey is not null) keyTable[newKey.KeyId] = newKey;
        keyTable = RoleKeyEditing.Prune(keyTable, edited.Select(d => d.Keys));
        foreach (var d in edited) RoleKeyEditing.CheckRole(d.Name, d.Keys, keyTable);

        var changed = new Dictionary<string, TargetsMetadata>(StringComparer.Ordinal)
        {
            [parent.Name] = parent.Metadata with { Delegations = new Delegations(keyTable, edited) },
            // The role itself is re-signed so that its current version carries the new keys' signatures.
            [role] = walked.Metadata,
        };
        var result = WriteChain(keys, root, changed);
        RetireUnusedKeys(delegations.Keys.Keys.Where(id => !keyTable.ContainsKey(id)), root);
        return new KeyChange(role, result.TargetsVersion, true, result.SignedRoles ?? []);
    }
}

/// <summary>What a key command did. For a top-level role, Version is the root version written or staged.</summary>
public sealed record KeyChange(string Role, long Version, bool Published, IReadOnlyList<string> ResignedRoles, string? KeyId = null, string? PrivateKeyFile = null);
