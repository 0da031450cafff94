using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>One target: its exact length and hashes, and optional custom data (Stork puts package metadata there).</summary>
public sealed record TargetFile(long Length, IReadOnlyDictionary<string, string> Hashes, JsonObject? Custom = null)
{
    public string Sha256 => Hashes.TryGetValue("sha256", out var h) ? h : throw new MetadataFormatException("target has no sha256 hash");

    public static TargetFile FromJson(JsonObject json, string what)
    {
        var length = StrictJson.RequireInteger(json, "length", what);
        if (length < 0) throw new MetadataFormatException($"{what}: length must not be negative");
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (alg, value) in StrictJson.RequireObject(json, "hashes", what))
            hashes[alg] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new MetadataFormatException($"{what}: hash {alg} must be a string");
        if (hashes.Count == 0) throw new MetadataFormatException($"{what}: hashes must not be empty");
        JsonObject? custom = null;
        if (json.ContainsKey("custom"))
            custom = json["custom"] as JsonObject ?? throw new MetadataFormatException($"{what}: custom must be an object");
        return new TargetFile(length, hashes, custom);
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["length"] = Length, ["hashes"] = HashesToJson(Hashes) };
        if (Custom is not null) json["custom"] = Custom.DeepClone();
        return json;
    }

    internal static JsonObject HashesToJson(IReadOnlyDictionary<string, string> hashes)
    {
        var json = new JsonObject();
        foreach (var (alg, value) in hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) json[alg] = value;
        return json;
    }
}
