using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>Parsing of untrusted JSON with a bounded depth; every parse failure becomes a <see cref="FormatException"/>.</summary>
public static class StrictJson
{
    /// <summary>Parses a JSON object with <see cref="StrictJsonReader"/>: duplicate keys and bad Unicode refused; finite fractions allowed.</summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, string what)
        => StrictJsonReader.Parse(utf8, what, integersOnly: false) as JsonObject ?? throw new FormatException($"{what}: expected a JSON object");

    /// <summary>Parses what will be signed or verified as canonical JSON: as <see cref="ParseObject"/>, and every number an int64.</summary>
    public static JsonObject ParseCanonicalObject(ReadOnlySpan<byte> utf8, string what)
        => StrictJsonReader.Parse(utf8, what, integersOnly: true) as JsonObject ?? throw new FormatException($"{what}: expected a JSON object");

    public static string RequireString(JsonObject obj, string key, string what)
    {
        if (obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        throw new FormatException($"{what}: '{key}' must be a string");
    }

    public static long RequireInteger(JsonObject obj, string key, string what)
    {
        if (obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l)) return l;
        if (obj[key] is JsonValue v2 && v2.GetValueKind() == JsonValueKind.Number && v2.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var el)) return el;
        throw new FormatException($"{what}: '{key}' must be an integer");
    }

    public static bool RequireBool(JsonObject obj, string key, string what)
    {
        if (obj[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw new FormatException($"{what}: '{key}' must be true or false");
    }

    public static JsonObject RequireObject(JsonObject obj, string key, string what)
        => obj[key] as JsonObject ?? throw new FormatException($"{what}: '{key}' must be an object");

    public static JsonArray RequireArray(JsonObject obj, string key, string what)
        => obj[key] as JsonArray ?? throw new FormatException($"{what}: '{key}' must be an array");
}
