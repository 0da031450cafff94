using Stork.Format.Packages;
using Xunit;

namespace Stork.Format.Tests.Packages;

public class BoundedReadStreamTests
{
    /// <summary>An endless source, like a decompressor fed a bomb.</summary>
    private sealed class EndlessZeros : Stream
    {
        public long Served { get; private set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            Served += count;
            return count;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void StopsJustPastTheLimit()
    {
        var source = new EndlessZeros();
        using var bounded = new BoundedReadStream(source, 1_000_000);
        var buffer = new byte[65536];
        Assert.Throws<DecompressionLimitException>(new Action(() => { while (true) bounded.ReadExactly(buffer); }));
        Assert.True(source.Served <= 1_000_001 + buffer.Length);
    }

    [Fact]
    public void ReadingExactlyTheLimitIsFine()
    {
        using var bounded = new BoundedReadStream(new MemoryStream(new byte[1000]), 1000);
        var buffer = new byte[4096];
        int total = 0, read;
        while ((read = bounded.Read(buffer)) > 0) total += read;
        Assert.Equal(1000, total);
    }
}
