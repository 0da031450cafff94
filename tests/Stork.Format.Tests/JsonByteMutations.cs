using CsCheck;

namespace Stork.Format.Tests;

/// <summary>
/// Byte mutations of a JSON document for CsCheck properties: bit flips, replaced, inserted and deleted bytes,
/// truncation, inserted snippets (as Latin-1, so invalid UTF-8 too, and as UTF-8) and a duplicated key.
/// </summary>
internal static class JsonByteMutations
{
    /// <summary>One mutation: kind, relative position (0..1), a byte, a snippet index and a count.</summary>
    public static Gen<(int Kind, double At, int Byte, int Snippet, int Count)> Over(string[] snippets)
        => Gen.Select(Gen.Int[0, 7], Gen.Double[0, 1], Gen.Int[0, 255], Gen.Int[0, snippets.Length - 1], Gen.Int[1, 4]);

    public static byte[] Apply(byte[] bytes, (int Kind, double At, int Byte, int Snippet, int Count) m, string[] snippets)
    {
        if (bytes.Length == 0) return [(byte)m.Byte];
        var list = bytes.ToList();
        int at = Math.Min(list.Count - 1, (int)(m.At * list.Count));
        switch (m.Kind)
        {
            case 0: list[at] ^= (byte)(1 << (m.Byte % 8)); break;                       // bit flip
            case 1: list[at] = (byte)m.Byte; break;                                      // byte replaced
            case 2: list.Insert(at, (byte)m.Byte); break;                                // byte inserted
            case 3: list.RemoveRange(at, Math.Min(m.Count, list.Count - at)); break;    // bytes deleted
            case 4: list.RemoveRange(at, list.Count - at); break;                        // truncated
            case 5: list.InsertRange(at, System.Text.Encoding.Latin1.GetBytes(snippets[m.Snippet])); break;   // raw bytes (Latin-1: invalid UTF-8 too)
            case 6: list.InsertRange(at, System.Text.Encoding.UTF8.GetBytes(snippets[m.Snippet])); break;
            default:
                // Duplicate a key: copy the first "key": after the opening brace at or before the position.
                int brace = bytes.AsSpan(0, at + 1).LastIndexOf((byte)'{');
                if (brace < 0) brace = 0;
                int colon = bytes.AsSpan(brace).IndexOf((byte)':');
                if (colon > 0) list.InsertRange(brace + 1, bytes.AsSpan(brace + 1, colon).ToArray().Concat("1,"u8.ToArray()));
                break;
        }
        return list.ToArray();
    }
}
