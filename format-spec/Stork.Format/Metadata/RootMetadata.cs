using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

public sealed record RoleKeys(IReadOnlyList<string> KeyIds, int Threshold);

/// <summary>root.json: the keys and thresholds of the top-level roles.</summary>
public sealed record RootMetadata(
    SignedHeader Header,
    bool ConsistentSnapshot,
    IReadOnlyDictionary<string, PublicKey> Keys,
    IReadOnlyDictionary<string, RoleKeys> Roles)
{
    public RoleKeys Role(string name) => Roles[name];

    public static RootMetadata FromSigned(JsonObject signed, string what = "root")
    {
        try
        {
            var header = SignedHeader.Read(signed, RoleNames.Root, what);
            var consistent = StrictJson.RequireBool(signed, "consistent_snapshot", what);
            var keys = new Dictionary<string, PublicKey>(StringComparer.Ordinal);
            foreach (var (keyId, keyJson) in StrictJson.RequireObject(signed, "keys", what))
            {
                if (keyJson is not JsonObject k) throw new MetadataFormatException($"{what}: key {keyId} must be an object");
                var key = PublicKey.FromJson(k, $"{what} key {keyId}");
                // A key listed under an ID that is not its own hash could smuggle one key in as two.
                if (key.KeyType == PublicKey.Ed25519 && key.KeyId != keyId)
                    throw new MetadataFormatException($"{what}: key ID {keyId} does not match the key's sha256 {key.KeyId}");
                keys[keyId] = key;
            }
            var roles = ReadRoles(StrictJson.RequireObject(signed, "roles", what), what);
            foreach (var required in RoleNames.TopLevel)
                if (!roles.ContainsKey(required)) throw new MetadataFormatException($"{what}: role '{required}' is missing");
            return new RootMetadata(header, consistent, keys, roles);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    internal static Dictionary<string, RoleKeys> ReadRoles(JsonObject rolesJson, string what)
    {
        var roles = new Dictionary<string, RoleKeys>(StringComparer.Ordinal);
        foreach (var (name, roleJson) in rolesJson)
        {
            if (roleJson is not JsonObject r) throw new MetadataFormatException($"{what}: role {name} must be an object");
            roles[name] = ReadRoleKeys(r, $"{what} role {name}");
        }
        return roles;
    }

    internal static RoleKeys ReadRoleKeys(JsonObject r, string what)
    {
        var keyIds = StrictJson.RequireArray(r, "keyids", what)
            .Select(k => k is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new MetadataFormatException($"{what}: keyids must be strings"))
            .ToList();
        if (keyIds.Distinct(StringComparer.Ordinal).Count() != keyIds.Count)
            throw new MetadataFormatException($"{what}: keyids lists a key twice");
        var threshold = StrictJson.RequireInteger(r, "threshold", what);
        if (threshold < 1 || threshold > int.MaxValue) throw new MetadataFormatException($"{what}: threshold must be at least 1");
        return new RoleKeys(keyIds, (int)threshold);
    }

    public JsonObject ToSigned()
    {
        var signed = new JsonObject();
        Header.WriteTo(signed);
        signed["consistent_snapshot"] = ConsistentSnapshot;
        var keys = new JsonObject();
        foreach (var (id, key) in Keys.OrderBy(k => k.Key, StringComparer.Ordinal)) keys[id] = key.Json.DeepClone();
        signed["keys"] = keys;
        var roles = new JsonObject();
        foreach (var (name, role) in Roles.OrderBy(k => k.Key, StringComparer.Ordinal))
            roles[name] = new JsonObject { ["keyids"] = JsonArrays.OfStrings(role.KeyIds), ["threshold"] = role.Threshold };
        signed["roles"] = roles;
        return signed;
    }
}
