using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Stork.Client.Packages;

/// <summary>The bytes of a <see cref="CompactPackageIndex"/>, read by range: a lookup reads only the ranges it needs.</summary>
internal interface IIndexBytes
{
    long Length { get; }

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>; InvalidDataException when out of range or damaged.</summary>
    ReadOnlySpan<byte> Read(long offset, int length);
}

/// <summary>Index bytes in memory (an index just written, tests).</summary>
internal sealed class ArrayIndexBytes(byte[] bytes, int start) : IIndexBytes
{
    public long Length => bytes.Length - start;

    public ReadOnlySpan<byte> Read(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length) throw new InvalidDataException($"a read of {length} bytes at {offset} beyond the end ({Length})");
        return bytes.AsSpan(start + (int)offset, length);
    }
}

/// <summary>
/// Index bytes in a file, in blocks of <see cref="BlockSize"/> bytes each checked against its SHA-256 in a table
/// (whose own hash the caller checked) the first time it is read and kept in memory afterwards, so a lookup reads
/// and hashes only the blocks it touches, and every byte it uses was checked. A block that does not match is an
/// <see cref="InvalidDataException"/> (the index is then rebuilt, see <see cref="PackageIndex"/>).
/// </summary>
internal sealed class VerifiedBlockFile : IIndexBytes
{
    public const int BlockSize = 8192;
    private readonly SafeFileHandle _file;
    private readonly long _start;
    private readonly byte[] _table;
    private readonly Dictionary<long, byte[]> _blocks = [];

    public long Length { get; }

    /// <param name="table">SHA-256 of each block, in order (the last block may be shorter).</param>
    public VerifiedBlockFile(SafeFileHandle file, long start, long length, byte[] table)
    {
        if (table.Length != BlockCount(length) * 32) throw new InvalidDataException("block table size");
        _file = file; _start = start; Length = length; _table = table;
    }

    public static long BlockCount(long length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>The table of block hashes of <paramref name="bytes"/>.</summary>
    public static byte[] TableOf(ReadOnlySpan<byte> bytes)
    {
        var table = new byte[BlockCount(bytes.Length) * 32];
        for (int i = 0; i * (long)BlockSize < bytes.Length; i++)
            SHA256.HashData(bytes.Slice(i * BlockSize, Math.Min(BlockSize, bytes.Length - i * BlockSize)), table.AsSpan(i * 32, 32));
        return table;
    }

    public ReadOnlySpan<byte> Read(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length) throw new InvalidDataException($"a read of {length} bytes at {offset} beyond the end ({Length})");
        if (length == 0) return [];
        long first = offset / BlockSize, last = (offset + Math.Max(length, 1) - 1) / BlockSize;
        if (first == last) return Block(first).AsSpan((int)(offset - first * BlockSize), length);
        // A long range (search reads whole sections) is read in one go and checked in place, not kept block by block.
        if (last - first >= 4) return Blocks(first, last).AsSpan((int)(offset - first * BlockSize), length);
        var copy = new byte[length];
        for (long b = first, done = 0; b <= last; b++)
        {
            var block = Block(b);
            int from = b == first ? (int)(offset - first * BlockSize) : 0;
            int n = (int)Math.Min(block.Length - from, length - done);
            block.AsSpan(from, n).CopyTo(copy.AsSpan((int)done));
            done += n;
        }
        return copy;
    }

    /// <summary>Blocks <paramref name="first"/> to <paramref name="last"/> in one array, each checked against its hash.</summary>
    private byte[] Blocks(long first, long last)
    {
        long from = first * BlockSize;
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(Math.Min(Length, (last + 1) * BlockSize) - from)));
        for (int done = 0, n; done < bytes.Length; done += n)
            if ((n = RandomAccess.Read(_file, bytes.AsSpan(done), _start + from + done)) == 0)
                throw new InvalidDataException($"block {first + done / BlockSize} is truncated");
        Span<byte> hash = stackalloc byte[32];
        for (long b = first; b <= last; b++)
        {
            int at = (int)((b - first) * BlockSize);
            SHA256.HashData(bytes.AsSpan(at, Math.Min(BlockSize, bytes.Length - at)), hash);
            if (!hash.SequenceEqual(_table.AsSpan(checked((int)(b * 32)), 32))) throw new InvalidDataException($"block {b} does not match its hash");
        }
        return bytes;
    }

    private byte[] Block(long number)
    {
        lock (_blocks) return LockedBlock(number);
    }

    private byte[] LockedBlock(long number)
    {
        if (_blocks.TryGetValue(number, out var block)) return block;
        block = GC.AllocateUninitializedArray<byte>((int)Math.Min(BlockSize, Length - number * BlockSize));
        if (RandomAccess.Read(_file, block, _start + number * BlockSize) != block.Length)
            throw new InvalidDataException($"block {number} is truncated");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(block, hash);
        if (!hash.SequenceEqual(_table.AsSpan(checked((int)(number * 32)), 32))) throw new InvalidDataException($"block {number} does not match its hash");
        return _blocks[number] = block;
    }
}
