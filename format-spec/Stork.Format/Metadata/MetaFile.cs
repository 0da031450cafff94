using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>An entry of timestamp's or snapshot's "meta": the version, and optionally length and hashes, of another role's file.</summary>
public sealed record MetaFile(long Version, long? Length = null, IReadOnlyDictionary<string, string>? Hashes = null)
{
    public static MetaFile FromJson(JsonObject json, string what)
    {
        var version = StrictJson.RequireInteger(json, "version", what);
        if (version < 1) throw new MetadataFormatException($"{what}: version must be at least 1");
        long? length = json.ContainsKey("length") ? StrictJson.RequireInteger(json, "length", what) : null;
        if (length is < 0) throw new MetadataFormatException($"{what}: length must not be negative");
        Dictionary<string, string>? hashes = null;
        if (json.ContainsKey("hashes"))
        {
            hashes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (alg, value) in StrictJson.RequireObject(json, "hashes", what))
                hashes[alg] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new MetadataFormatException($"{what}: hash {alg} must be a string");
            if (hashes.Count == 0) throw new MetadataFormatException($"{what}: hashes must not be empty");
        }
        return new MetaFile(version, length, hashes);
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["version"] = Version };
        if (Length is { } l) json["length"] = l;
        if (Hashes is not null) json["hashes"] = TargetFile.HashesToJson(Hashes);
        return json;
    }
}
