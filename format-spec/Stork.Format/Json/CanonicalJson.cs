using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>
/// OLPC canonical JSON, the form TUF signs: no whitespace, object keys sorted by code point,
/// strings escaping only '"' and '\', integers only (no floats).
/// </summary>
public static class CanonicalJson
{
    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new MemoryStream();
        Write(node, buffer);
        return buffer.ToArray();
    }

    public static string SerializeToString(JsonNode? node) => Encoding.UTF8.GetString(Serialize(node));

    private static void Write(JsonNode? node, Stream output)
    {
        switch (node)
        {
            case null:
                WriteAscii(output, "null");
                break;
            case JsonObject obj:
                output.WriteByte((byte)'{');
                bool first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, CodePointComparer.Instance))
                {
                    if (!first) output.WriteByte((byte)',');
                    first = false;
                    WriteString(output, key);
                    output.WriteByte((byte)':');
                    Write(value, output);
                }
                output.WriteByte((byte)'}');
                break;
            case JsonArray array:
                output.WriteByte((byte)'[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0) output.WriteByte((byte)',');
                    Write(array[i], output);
                }
                output.WriteByte((byte)']');
                break;
            case JsonValue value:
                WriteValue(value, output);
                break;
        }
    }

    private static void WriteValue(JsonValue value, Stream output)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(output, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                WriteAscii(output, "true");
                break;
            case JsonValueKind.False:
                WriteAscii(output, "false");
                break;
            case JsonValueKind.Null:
                WriteAscii(output, "null");
                break;
            case JsonValueKind.Number:
                // Canonical JSON has integers only; a float in signed metadata is a format error.
                if (value.TryGetValue<long>(out var l)) { WriteAscii(output, l.ToString(System.Globalization.CultureInfo.InvariantCulture)); break; }
                if (value.TryGetValue<int>(out var i)) { WriteAscii(output, i.ToString(System.Globalization.CultureInfo.InvariantCulture)); break; }
                if (value.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var el)) { WriteAscii(output, el.ToString(System.Globalization.CultureInfo.InvariantCulture)); break; }
                throw new FormatException($"canonical JSON allows integers only, found '{value.ToJsonString()}'");
            default:
                throw new FormatException($"unsupported JSON value '{value.ToJsonString()}'");
        }
    }

    private static void WriteString(Stream output, string text)
    {
        output.WriteByte((byte)'"');
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '"' || rune.Value == '\\') output.WriteByte((byte)'\\');
            int n = rune.EncodeToUtf8(utf8);
            output.Write(utf8[..n]);
        }
        output.WriteByte((byte)'"');
    }

    private static void WriteAscii(Stream output, string text)
    {
        foreach (char c in text) output.WriteByte((byte)c);
    }

    /// <summary>Orders by Unicode code point (as securesystemslib does), not by UTF-16 code unit.</summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x!.EnumerateRunes();
            var b = y!.EnumerateRunes();
            while (true)
            {
                bool hasA = a.MoveNext(), hasB = b.MoveNext();
                if (!hasA || !hasB) return hasA.CompareTo(hasB);
                int c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0) return c;
            }
        }
    }
}
