using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>Delegated targets roles and hash bins.</summary>
public sealed partial class RepositoryProject
{
    /// <summary>
    /// Adds a delegated role to <paramref name="parent"/> (targets by default), writes the role's version 1
    /// (no targets) and re-signs parent, snapshot and timestamp. Version 1 must be signed by the role's own keys,
    /// so a threshold of them must be given as private key files (they are used, not stored).
    /// </summary>
    public PublishResult Delegate(string name, IReadOnlyList<KeyFiles.KeyFile> roleKeys, int threshold,
        IReadOnlyList<string>? paths, IReadOnlyList<string>? pathHashPrefixes, bool terminating,
        string parent = RoleNames.Targets, IEnumerable<SigningKey>? extraKeys = null)
    {
        DelegatedRoleNames.Check(name);
        // An option given no values arrives as an empty list: treat it as absent.
        if (paths is { Count: 0 }) paths = null;
        if (pathHashPrefixes is { Count: 0 }) pathHashPrefixes = null;
        if (roleKeys.Count == 0) throw new PublisherException($"role '{name}' needs at least one key (--key)");
        if ((paths is { Count: > 0 }) == (pathHashPrefixes is { Count: > 0 }))
            throw new PublisherException("give either --paths or --path-hash-prefixes (exactly one of them)");
        if (paths is not null) foreach (var p in paths) CheckPattern(p);
        if (pathHashPrefixes is not null) foreach (var p in pathHashPrefixes) CheckPrefix(p);

        var root = CurrentRoot();
        var roles = CurrentRoles(root);
        if (roles.Any(r => r.Name == name)) throw new PublisherException($"role '{name}' is already delegated");
        var delegator = roles.FirstOrDefault(r => r.Name == parent)
            ?? throw new PublisherException($"parent role '{parent}' does not exist");
        var delegations = delegator.Metadata.Delegations ?? new Delegations(new Dictionary<string, PublicKey>(), []);
        var keyTable = delegations.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        foreach (var key in roleKeys) keyTable[key.Public.KeyId] = key.Public;
        var role = new DelegatedRole(name, new RoleKeys(roleKeys.Select(k => k.Public.KeyId).Distinct().ToList(), threshold),
            terminating, paths?.ToList(), pathHashPrefixes?.Select(p => p.ToLowerInvariant()).ToList());
        RoleKeyEditing.CheckRole(name, role.Keys, keyTable);

        var changed = new Dictionary<string, TargetsMetadata>(StringComparer.Ordinal)
        {
            [parent] = delegator.Metadata with { Delegations = new Delegations(keyTable, [.. delegations.Roles, role]) },
            [name] = EmptyTargets(),
        };
        using var keys = new SigningKeys(Keys, [.. roleKeys.Where(k => k.Private is not null).Select(k => k.Private!), .. extraKeys ?? []]);
        return WriteChain(keys, root, changed);
    }

    /// <summary>
    /// Converts the repository to <paramref name="count"/> hash bins: targets delegates to roles
    /// <c>bins-PREFIX</c> by <c>path_hash_prefixes</c>, and every target moves into its bin.
    /// All bins share one key (given, or generated into the key store as <c>bins.KEYID16.key.json</c>).
    /// </summary>
    public PublishResult ConvertToHashBins(int count, KeyFiles.KeyFile? binKey = null, IEnumerable<SigningKey>? extraKeys = null)
    {
        var layout = HashBinLayout.Create(count);
        if (PendingTargets().Count > 0) throw new PublisherException("packages are queued; run 'stork-publish publish' before converting to hash bins");
        var root = CurrentRoot();
        var roles = CurrentRoles(root);
        var top = roles[0].Metadata;
        if (top.Delegations?.Roles.Any(r => r.Name.StartsWith(DelegatedRoleNames.BinPrefix, StringComparison.Ordinal)) == true)
            throw new PublisherException("this repository already uses hash bins");

        PublicKey publicKey;
        SigningKey? generated = null;
        if (binKey is not null) publicKey = binKey.Public;
        else
        {
            generated = SigningKey.Generate();
            Keys.SaveLabelled("bins", generated);
            publicKey = generated.Public;
        }
        try
        {
            var delegations = top.Delegations ?? new Delegations(new Dictionary<string, PublicKey>(), []);
            var keyTable = delegations.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
            keyTable[publicKey.KeyId] = publicKey;
            var binRoles = layout.Bins.Select(b => new DelegatedRole(b.Name, new RoleKeys([publicKey.KeyId], 1), false, null, b.Prefixes)).ToList();
            var changed = new Dictionary<string, TargetsMetadata>(StringComparer.Ordinal);
            foreach (var bin in layout.Bins)
            {
                var inBin = top.Targets.Where(t => layout.BinOf(t.Key).Name == bin.Name).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
                changed[bin.Name] = EmptyTargets() with { Targets = inBin };
            }
            changed[RoleNames.Targets] = top with
            {
                Targets = new Dictionary<string, TargetFile>(),
                Delegations = new Delegations(keyTable, [.. delegations.Roles, .. binRoles]),
            };
            var given = binKey?.Private is { } p ? new[] { p } : [];
            using var keys = new SigningKeys(Keys, [.. given, .. extraKeys ?? []]);
            return WriteChain(keys, root, changed);
        }
        catch when (generated is not null)
        {
            File.Delete(Keys.PathOf("bins", generated.KeyId));
            throw;
        }
        finally { generated?.Dispose(); }
    }

    private static void CheckPattern(string pattern)
    {
        if (pattern.Length == 0 || pattern.StartsWith('/') || pattern.Split('/').Any(s => s.Length == 0 || s == "." || s == ".."))
            throw new PublisherException($"path pattern '{pattern}' is not usable: write it relative to targets/, like 'packages/NAME/*'");
    }

    private static void CheckPrefix(string prefix)
    {
        if (prefix.Length is 0 or > 64 || !prefix.All(Uri.IsHexDigit))
            throw new PublisherException($"path hash prefix '{prefix}' must be 1-64 hex digits");
    }
}
