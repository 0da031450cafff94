namespace Stork.Format.Packages;

/// <summary>
/// A read-only wrapper that fails once more than <see cref="Limit"/> bytes were read, so a decompression bomb
/// stops after at most the bytes the manifest justifies instead of filling memory or disk.
/// </summary>
internal sealed class BoundedReadStream(Stream inner, long limit) : Stream
{
    public long Limit { get; set; } = limit;
    public long Consumed { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        // Ask for one byte beyond the limit so an overrun is detected, not silently truncated.
        long allowed = Limit - Consumed + 1;
        if (allowed <= 0) throw new DecompressionLimitException(Limit);
        var slice = buffer[..(int)Math.Min(buffer.Length, allowed)];
        int read = inner.Read(slice);
        Consumed += read;
        if (Consumed > Limit) throw new DecompressionLimitException(Limit);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Consumed; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

internal sealed class DecompressionLimitException(long limit)
    : Exception($"decompressed data exceeds the {limit} bytes the manifest allows (possible zstd bomb)");
