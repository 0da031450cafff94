using System.Diagnostics.CodeAnalysis;

namespace Stork.Format.Metadata;

/// <summary>
/// A target's hashes as <see cref="TargetsReader"/> reads them, in their listed order: a lowercase hex value is kept
/// as its bytes (a quarter of a string's memory; a host holds one per package) and given back as the same text; any
/// other value is kept as it was written. Behaves as the dictionary the DOM parser builds.
/// </summary>
public sealed class TargetHashes : IReadOnlyDictionary<string, string>
{
    /// <summary>Per algorithm: byte[] (lowercase hex decoded) or string (as written).</summary>
    private readonly KeyValuePair<string, object>[] _entries;

    private TargetHashes(KeyValuePair<string, object>[] entries) => _entries = entries;

    /// <summary>Collects one target's hashes in the order added (algorithms are unique: the JSON has no duplicate keys); reused per target.</summary>
    internal sealed class Builder
    {
        private readonly List<KeyValuePair<string, object>> _entries = new(1);
        public int Count => _entries.Count;

        public void Add(string algorithm, ReadOnlySpan<byte> unescapedUtf8)
            => _entries.Add(new(Intern(algorithm), DecodeLowerHex(unescapedUtf8) ?? (object)System.Text.Encoding.UTF8.GetString(unescapedUtf8)));

        /// <summary>The hashes added so far; the builder starts empty again.</summary>
        public TargetHashes Build()
        {
            var built = new TargetHashes(_entries.ToArray());
            _entries.Clear();
            return built;
        }
    }

    /// <summary>Shares the names every target repeats.</summary>
    private static string Intern(string algorithm) => algorithm switch { "sha256" => "sha256", "sha512" => "sha512", _ => algorithm };

    private static byte[]? DecodeLowerHex(ReadOnlySpan<byte> text)
    {
        if (text.Length == 0 || text.Length % 2 != 0) return null;
        var bytes = new byte[text.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            int high = Nibble(text[2 * i]), low = Nibble(text[2 * i + 1]);
            if ((high | low) < 0) return null;
            bytes[i] = (byte)(high << 4 | low);
        }
        return bytes;
    }

    private static int Nibble(byte c) => c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : -1;

    private static string Text(object value) => value as string ?? Convert.ToHexStringLower((byte[])value);

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);
    public IEnumerable<string> Values => _entries.Select(e => Text(e.Value));
    public int Count => _entries.Length;

    public bool ContainsKey(string key) => Array.FindIndex(_entries, e => e.Key == key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        foreach (var entry in _entries)
            if (entry.Key == key)
            {
                value = Text(entry.Value);
                return true;
            }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var entry in _entries) yield return new(entry.Key, Text(entry.Value));
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
