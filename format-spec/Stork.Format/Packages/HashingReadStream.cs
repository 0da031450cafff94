using System.Security.Cryptography;

namespace Stork.Format.Packages;

/// <summary>Pass-through read stream that SHA-256 hashes everything read through it (OpenSSL, not Hashing.Sha256: streams are large).</summary>
internal sealed class HashingReadStream(Stream inner) : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public string HashHex() => Convert.ToHexStringLower(_sha.GetHashAndReset());

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        _sha.AppendData(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { inner.Dispose(); _sha.Dispose(); }
        base.Dispose(disposing);
    }
}
