using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Stork.Format.Json;

namespace Stork.Format.Tests.Metadata;

/// <summary>
/// The fast canonical writer (whole-string UTF-8 encoding, UTF-16 ordinal sort with a surrogate fix-up) must give
/// exactly the bytes of the plain definition: escape only '"' and '\', encode rune by rune, sort keys by code point.
/// </summary>
public class CanonicalJsonReferenceTests
{
    private static readonly Gen<string> Pieces = Gen.OneOf(
        Gen.Const("a"), Gen.Const("Z"), Gen.Const("\""), Gen.Const("\\"), Gen.Const("/"), Gen.Const("\n"), Gen.Const("\u00e0"),
        Gen.Const("\ud7ff"), Gen.Const("\ue000"), Gen.Const("\uff21"), Gen.Const("\uffff"), Gen.Const("\U00010000"), Gen.Const("\U0001F426"));

    private static readonly Gen<string> Strings = Pieces.Array[0, 6].Select(p => string.Concat(p));

    private static readonly Gen<JsonObject> Objects = Gen.Select(Strings.Array[0, 8], Strings.Array[0, 8], Gen.Long.Array[0, 8])
        .Select((keys, values, numbers) =>
        {
            var o = new JsonObject();
            for (int i = 0; i < keys.Length; i++)
                o[keys[i]] = i % 3 == 0 ? new JsonObject { ["n"] = numbers.Length > 0 ? numbers[i % numbers.Length] : 0, [keys[i] + "\""] = new JsonArray(values.Select(v => (JsonNode)v!).ToArray()) }
                    : i % 3 == 1 ? values.Length > 0 ? values[i % values.Length] : "" : true;
            return o;
        });

    [Fact]
    public void Output_equals_the_rune_by_rune_reference()
        => Objects.Sample(o => Assert.Equal(Reference(o), CanonicalJson.Serialize(o)), iter: 2000);

    [Fact]
    public void Long_strings_with_and_without_escapes_are_encoded_whole()
    {
        var big = new string('x', 5000) + "\"\\" + new string('\u00e9', 3000) + "\U0001F426";
        var o = new JsonObject { ["k"] = big };
        Assert.Equal(Reference(o), CanonicalJson.Serialize(o));
    }

    private static byte[] Reference(JsonNode? node)
    {
        var output = new MemoryStream();
        void Write(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject obj:
                    output.WriteByte((byte)'{');
                    bool first = true;
                    foreach (var (key, value) in obj.OrderBy(p => p.Key, Comparer<string>.Create(CompareRunes)))
                    {
                        if (!first) output.WriteByte((byte)',');
                        first = false;
                        WriteString(key);
                        output.WriteByte((byte)':');
                        Write(value);
                    }
                    output.WriteByte((byte)'}');
                    break;
                case JsonArray array:
                    output.WriteByte((byte)'[');
                    for (int i = 0; i < array.Count; i++) { if (i > 0) output.WriteByte((byte)','); Write(array[i]); }
                    output.WriteByte((byte)']');
                    break;
                case JsonValue v when v.TryGetValue<string>(out var s): WriteString(s); break;
                case JsonValue v when v.TryGetValue<long>(out var l): output.Write(Encoding.ASCII.GetBytes(l.ToString(System.Globalization.CultureInfo.InvariantCulture))); break;
                case JsonValue v when v.TryGetValue<bool>(out var b): output.Write(Encoding.ASCII.GetBytes(b ? "true" : "false")); break;
                default: throw new InvalidOperationException();
            }
        }
        void WriteString(string text)
        {
            output.WriteByte((byte)'"');
            Span<byte> utf8 = stackalloc byte[4];
            foreach (var rune in text.EnumerateRunes())
            {
                if (rune.Value == '"' || rune.Value == '\\') output.WriteByte((byte)'\\');
                output.Write(utf8[..rune.EncodeToUtf8(utf8)]);
            }
            output.WriteByte((byte)'"');
        }
        Write(node);
        return output.ToArray();
    }

    private static int CompareRunes(string? x, string? y)
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
