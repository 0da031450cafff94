using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>
/// Strict reading of local configuration files (stork.json, stork-repo.json): valid JSON, one object, no duplicate
/// keys and no keys the reader does not know. Every problem is a <see cref="FormatException"/> naming the key and
/// the file; callers turn it into their local error (exit 7).
/// </summary>
public static class ConfigJson
{
    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = 32,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8, string path)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(utf8, documentOptions: Options); }
        catch (JsonException e)
        {
            if (DuplicateKeyIn(utf8) is { } key) throw new FormatException($"{path}: duplicate key '{key}'", e);
            throw new FormatException($"{path}: not valid JSON ({e.Message})", e);
        }
        return node as JsonObject ?? throw new FormatException($"{path}: expected a JSON object");
    }

    /// <summary>Fails on the first key of <paramref name="obj"/> that is not in <paramref name="known"/>.</summary>
    public static void RejectUnknownKeys(JsonObject obj, IReadOnlyCollection<string> known, string path, string? section = null)
    {
        foreach (var (key, _) in obj)
            if (!known.Contains(key))
                throw new FormatException($"{path}: unknown key '{(section is null ? key : $"{section}.{key}")}' (known: {string.Join(", ", known)})");
    }

    /// <summary>Finds the first key that repeats within one object (the parser's message does not always name it).</summary>
    private static string? DuplicateKeyIn(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 32 });
        var seen = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: seen.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                    case JsonTokenType.EndObject: seen.Pop(); break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (!seen.Peek().Add(name)) return name;
                        break;
                }
            }
        }
        catch (JsonException) { }
        return null;
    }
}
