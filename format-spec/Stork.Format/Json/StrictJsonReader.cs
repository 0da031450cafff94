using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>
/// Builds a <see cref="JsonNode"/> tree from untrusted bytes, refusing everything that cannot be signed as canonical
/// JSON or that two parsers could read differently (SPEC.md §1.1): duplicate object keys (after unescaping), invalid
/// UTF-8, escaped lone surrogates, numbers that are not integers in the signed 64-bit range (<c>2.0</c>, <c>1e400</c>,
/// 29 digits), a byte-order mark, comments, trailing commas, anything after the value, nesting deeper than the limit.
/// Every refusal is a <see cref="FormatException"/>; nothing else escapes for any input. With
/// <c>integersOnly: false</c> (local configuration files, never signed metadata) finite fractions are read as doubles.
/// </summary>
public static class StrictJsonReader
{
    public const int MaxDepth = 32;

    public static JsonNode Parse(ReadOnlySpan<byte> utf8, string what, bool integersOnly = true)
    {
        Check(utf8, what, integersOnly);
        // The bytes are now known to be unambiguous; build the tree the way every other reader of the project does
        // (element-backed values, so that TryGetValue<int>, <long>, <double> behave as with JsonNode.Parse).
        return JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth })
            ?? throw new FormatException($"{what}: the document is null, expected JSON object");
    }

    /// <summary>
    /// Refuses exactly what <see cref="Parse"/> refuses, with the same messages, without building a tree: for
    /// readers that then walk the bytes with a <see cref="Utf8JsonReader"/> (typed targets metadata).
    /// </summary>
    public static void Check(ReadOnlySpan<byte> utf8, string what, bool integersOnly = true)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            MaxDepth = MaxDepth,
            AllowTrailingCommas = false,
            CommentHandling = JsonCommentHandling.Disallow,
        });
        try
        {
            if (!reader.Read()) throw new FormatException($"{what}: empty document, expected JSON");
            if (reader.TokenType == JsonTokenType.Null) throw new FormatException($"{what}: the document is null, expected JSON object");
            Validate(ref reader, what, integersOnly);
            if (reader.Read()) throw new FormatException($"{what}: data after the JSON value");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{what}: not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader reports undecodable strings (invalid UTF-8, lone surrogates) this way.
            throw new FormatException($"{what}: a string is not valid Unicode ({e.Message})", e);
        }
    }

    /// <summary>Walks one value (the reader is on its first token) and checks everything the parse must refuse.</summary>
    private static void Validate(ref Utf8JsonReader reader, string what, bool integersOnly)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    while (true)
                    {
                        if (!reader.Read()) throw new FormatException($"{what}: truncated JSON object");
                        if (reader.TokenType == JsonTokenType.EndObject) return;
                        var key = ReadString(ref reader);
                        if (!seen.Add(key)) throw new FormatException($"{what}: the key \"{Shorten(key)}\" occurs twice in one object");
                        if (!reader.Read()) throw new FormatException($"{what}: truncated JSON object");
                        Validate(ref reader, what, integersOnly);
                    }
                }
            case JsonTokenType.StartArray:
                while (true)
                {
                    if (!reader.Read()) throw new FormatException($"{what}: truncated JSON array");
                    if (reader.TokenType == JsonTokenType.EndArray) return;
                    Validate(ref reader, what, integersOnly);
                }
            case JsonTokenType.String:
                ReadString(ref reader);
                return;
            case JsonTokenType.Number:
                if (!integersOnly && !IsIntegerToken(ref reader))
                {
                    if (!reader.TryGetDouble(out var d) || !double.IsFinite(d)) throw new FormatException($"{what}: a number is out of range");
                    return;
                }
                ReadInteger(ref reader, what);
                return;
            case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                return;
            default:
                throw new FormatException($"{what}: unexpected JSON token {reader.TokenType}");
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        // GetString validates UTF-8 and surrogate pairs of escapes; it throws InvalidOperationException otherwise.
        var text = reader.GetString()!;
        // Belt and braces: a string .NET decoded must not hold an unpaired surrogate either.
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) throw new InvalidOperationException("unpaired surrogate in a string");
        }
        return text;
    }

    private static bool IsIntegerToken(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
    }

    private static long ReadInteger(ref Utf8JsonReader reader, string what)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        foreach (var b in raw)
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (byte)'-'))
                throw new FormatException($"{what}: the number {Shorten(System.Text.Encoding.ASCII.GetString(raw))} is not an integer (canonical JSON has integers only)");
        if (!reader.TryGetInt64(out var value))
            throw new FormatException($"{what}: the integer {Shorten(System.Text.Encoding.ASCII.GetString(raw))} is out of range");
        return value;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
