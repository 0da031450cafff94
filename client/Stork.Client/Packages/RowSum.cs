using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Stork.Format.Crypto;

namespace Stork.Client.Packages;

/// <summary>
/// The check value of one row of the index cache (<see cref="IndexDatabase"/>): the first 16 bytes of the SHA-256 of
/// the table's name and the row's columns, each length-prefixed. Checked whenever a row is used, so a damaged row (or
/// one moved to another table or key) is found before anything in it is trusted, as the block hashes of the earlier
/// file format did. It guards against damage, not against someone who may write the host's state directory.
/// </summary>
internal static class RowSum
{
    public const int Size = 16;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] Of(string table, ReadOnlySpan<byte> blob, params ReadOnlySpan<string> columns)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Add(buffer, Encoding.UTF8.GetBytes(table));
        Add(buffer, blob);
        foreach (var column in columns)
        {
            var span = buffer.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(column.Length));
            int n = Encoding.UTF8.GetBytes(column, span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, n);
            buffer.Advance(4 + n);
        }
        Span<byte> hash = stackalloc byte[32];
        Hashing.Sha256(buffer.WrittenSpan, hash);
        return hash[..Size].ToArray();
    }

    public static byte[] Of(string table, params ReadOnlySpan<string> columns) => Of(table, [], columns);

    /// <summary>Whether <paramref name="sum"/> is the row's check value; InvalidDataException otherwise.</summary>
    public static void Check(byte[]? sum, string what, string table, ReadOnlySpan<byte> blob, params ReadOnlySpan<string> columns)
    {
        if (sum is null || !sum.AsSpan().SequenceEqual(Of(table, blob, columns)))
            throw new InvalidDataException($"{what} does not match its check value");
    }

    private static void Add(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), bytes.Length);
        buffer.Advance(4);
        buffer.Write(bytes);
    }
}
