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

    /// <summary>Writes the canonical form of <paramref name="node"/> to <paramref name="output"/>.</summary>
    public static void Serialize(JsonNode? node, Stream output) => Write(node, output);

    public static string SerializeToString(JsonNode? node) => Encoding.UTF8.GetString(Serialize(node));

    private static void Write(JsonNode? node, Stream output)
    {
        switch (node)
        {
            case null:
                WriteAscii(output, "null"u8);
                break;
            case JsonObject obj:
                output.WriteByte((byte)'{');
                // Sorting an array of pairs once is far cheaper than a LINQ OrderBy per object.
                var pairs = new KeyValuePair<string, JsonNode?>[obj.Count];
                int n = 0;
                foreach (var pair in obj) pairs[n++] = pair;
                if (n > 1) Array.Sort(pairs, static (a, b) => CodePointComparer.Instance.Compare(a.Key, b.Key));
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) output.WriteByte((byte)',');
                    WriteString(output, pairs[i].Key);
                    output.WriteByte((byte)':');
                    Write(pairs[i].Value, output);
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
        if (value.TryGetValue<string>(out var text)) { WriteString(output, text); return; }
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(output, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                WriteAscii(output, "true"u8);
                break;
            case JsonValueKind.False:
                WriteAscii(output, "false"u8);
                break;
            case JsonValueKind.Null:
                WriteAscii(output, "null"u8);
                break;
            case JsonValueKind.Number:
                // Canonical JSON has integers only; a float in signed metadata is a format error.
                if (value.TryGetValue<long>(out var l)) { WriteInteger(output, l); break; }
                if (value.TryGetValue<int>(out var i)) { WriteInteger(output, i); break; }
                if (value.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var el)) { WriteInteger(output, el); break; }
                throw new FormatException($"canonical JSON allows integers only, found '{value.ToJsonString()}'");
            default:
                throw new FormatException($"unsupported JSON value '{value.ToJsonString()}'");
        }
    }

    /// <summary>
    /// A JSON string with only '"' and '\\' escaped, as UTF-8. Whole runs without those two characters are encoded
    /// at once; an unpaired surrogate becomes U+FFFD, as rune-by-rune encoding did.
    /// </summary>
    private static void WriteString(Stream output, string text)
    {
        output.WriteByte((byte)'"');
        var rest = text.AsSpan();
        while (true)
        {
            int special = rest.IndexOfAny('"', '\\');
            WriteUtf8(output, special < 0 ? rest : rest[..special]);
            if (special < 0) break;
            output.WriteByte((byte)'\\');
            output.WriteByte((byte)rest[special]);
            rest = rest[(special + 1)..];
        }
        output.WriteByte((byte)'"');
    }

    private static void WriteUtf8(Stream output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        int max = Encoding.UTF8.GetMaxByteCount(chars.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        int n = Encoding.UTF8.GetBytes(chars, buffer);
        output.Write(buffer[..n]);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
    }

    private static void WriteInteger(Stream output, long value)
    {
        Span<byte> digits = stackalloc byte[24];
        value.TryFormat(digits, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Write(digits[..n]);
    }

    private static void WriteAscii(Stream output, ReadOnlySpan<byte> text) => output.Write(text);

    /// <summary>Orders by Unicode code point (as securesystemslib does), not by UTF-16 code unit.</summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x.AsSpan();
            var b = y.AsSpan();
            int common = a.CommonPrefixLength(b);
            if (common == a.Length || common == b.Length) return a.Length.CompareTo(b.Length);
            char ca = a[common], cb = b[common];
            // UTF-16 order equals code point order except that surrogates (U+D800-DFFF, encoding code points
            // above U+FFFF) sort below U+E000-FFFF. Lift them above; a differing first char decides.
            return Fix(ca).CompareTo(Fix(cb));
        }

        private static int Fix(char c) => char.IsSurrogate(c) ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
    }
}
