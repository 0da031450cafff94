using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>A delegated targets role: who may sign for which target paths.</summary>
public sealed record DelegatedRole(
    string Name,
    RoleKeys Keys,
    bool Terminating,
    IReadOnlyList<string>? Paths,
    IReadOnlyList<string>? PathHashPrefixes);

public sealed record Delegations(IReadOnlyDictionary<string, PublicKey> Keys, IReadOnlyList<DelegatedRole> Roles)
{
    public static Delegations FromJson(JsonObject json, string what)
    {
        var keys = new Dictionary<string, PublicKey>(StringComparer.Ordinal);
        foreach (var (keyId, keyJson) in StrictJson.RequireObject(json, "keys", what))
        {
            if (keyJson is not JsonObject k) throw new MetadataFormatException($"{what}: key {keyId} must be an object");
            keys[keyId] = PublicKey.FromJson(k, $"{what} key {keyId}");
        }
        var roles = new List<DelegatedRole>();
        foreach (var item in StrictJson.RequireArray(json, "roles", what))
        {
            if (item is not JsonObject r) throw new MetadataFormatException($"{what}: every role must be an object");
            var name = StrictJson.RequireString(r, "name", what);
            // As python-tuf: a delegated role may not be nameless or take a top-level role's name.
            if (name.Length == 0 || RoleNames.TopLevel.Contains(name))
                throw new MetadataFormatException($"{what}: a delegated role may not be named '{name}'");
            var roleWhat = $"{what} role {name}";
            var keysOfRole = RootMetadata.ReadRoleKeys(r, roleWhat);
            var terminating = StrictJson.RequireBool(r, "terminating", roleWhat);
            var paths = r.ContainsKey("paths") ? ReadStrings(StrictJson.RequireArray(r, "paths", roleWhat), roleWhat) : null;
            var prefixes = r.ContainsKey("path_hash_prefixes") ? ReadStrings(StrictJson.RequireArray(r, "path_hash_prefixes", roleWhat), roleWhat) : null;
            if ((paths is null) == (prefixes is null))
                throw new MetadataFormatException($"{roleWhat}: exactly one of paths and path_hash_prefixes is required");
            roles.Add(new DelegatedRole(name, keysOfRole, terminating, paths, prefixes));
        }
        if (roles.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != roles.Count)
            throw new MetadataFormatException($"{what}: a delegated role name occurs twice");
        return new Delegations(keys, roles);
    }

    private static List<string> ReadStrings(JsonArray array, string what)
        => array.Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new MetadataFormatException($"{what}: entries must be strings")).ToList();

    public JsonObject ToJson()
    {
        var keys = new JsonObject();
        foreach (var (id, key) in Keys.OrderBy(k => k.Key, StringComparer.Ordinal)) keys[id] = key.Json.DeepClone();
        var roles = new JsonArray();
        foreach (var role in Roles)
        {
            var r = new JsonObject
            {
                ["name"] = role.Name,
                ["keyids"] = JsonArrays.OfStrings(role.Keys.KeyIds),
                ["threshold"] = role.Keys.Threshold,
                ["terminating"] = role.Terminating,
            };
            if (role.Paths is not null) r["paths"] = JsonArrays.OfStrings(role.Paths);
            if (role.PathHashPrefixes is not null) r["path_hash_prefixes"] = JsonArrays.OfStrings(role.PathHashPrefixes);
            roles.Add((JsonNode)r);
        }
        return new JsonObject { ["keys"] = keys, ["roles"] = roles };
    }
}
