using System.Text;

namespace Stork.Resolver.Universe;

/// <summary>
/// Maps UTF-8 byte strings to values parsed once per distinct text. Universe files repeat the same few hundred
/// thousand strings millions of times; looking them up by their raw bytes skips transcoding and allocation.
/// </summary>
internal sealed class Utf8Interner<T>(Func<string, T> parse)
{
    private byte[][] _keys = new byte[1 << 14][];
    private T[] _values = new T[1 << 14];
    private int[] _hashes = new int[1 << 14];
    private int _count;

    public T Get(ReadOnlySpan<byte> utf8)
    {
        int hash = Hash(utf8);
        int mask = _keys.Length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            var key = _keys[slot];
            if (key is null) return Add(slot, hash, utf8);
            if (_hashes[slot] == hash && utf8.SequenceEqual(key)) return _values[slot];
        }
    }

    private T Add(int slot, int hash, ReadOnlySpan<byte> utf8)
    {
        var value = parse(Encoding.UTF8.GetString(utf8));
        _keys[slot] = utf8.ToArray();
        _values[slot] = value;
        _hashes[slot] = hash;
        if (++_count * 2 > _keys.Length) Grow();
        return value;
    }

    private void Grow()
    {
        var (keys, values, hashes) = (_keys, _values, _hashes);
        _keys = new byte[keys.Length * 2][];
        _values = new T[keys.Length * 2];
        _hashes = new int[keys.Length * 2];
        int mask = _keys.Length - 1;
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] is null) continue;
            int slot = hashes[i] & mask;
            while (_keys[slot] is not null) slot = (slot + 1) & mask;
            _keys[slot] = keys[i];
            _values[slot] = values[i];
            _hashes[slot] = hashes[i];
        }
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        // FNV-1a, folded to 32 bits; plenty for package names and version ranges.
        ulong hash = 14695981039346656037UL;
        foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return (int)(hash ^ (hash >> 32)) & int.MaxValue;
    }
}
