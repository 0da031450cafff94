using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>Parsing of untrusted JSON with a bounded depth; every parse failure becomes a <see cref="FormatException"/>.</summary>
public static class StrictJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, string what)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8, documentOptions: Options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{what}: not valid JSON ({e.Message})", e);
        }
        return node as JsonObject ?? throw new FormatException($"{what}: expected a JSON object");
    }

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
