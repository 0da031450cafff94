using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Format.Tests.Packages;

/// <summary>Issue 13: only the archive stream's failures are package errors; the destination's stay local.</summary>
public sealed class PackageReaderDestinationTests
{
    private sealed class FullDisk : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on device : '/var/lib/stork/store/files/tmp/x'", 28);
    }

    [Fact]
    public void A_destination_that_runs_out_of_space_is_an_io_error_not_a_package_format_error()
    {
        using var reader = PackageReader.Open(new MemoryStream(TestPackages.Build()));
        while (reader.ReadNext() is { } entry)
        {
            if (!entry.IsFile || entry.Size == 0) continue;
            var e = Assert.Throws<IOException>(() => reader.CopyContentTo(new FullDisk()));
            var (message, errorClass) = Failure.Describe(e);
            Assert.Equal(ErrorClass.LocalState, errorClass);
            Assert.Contains("disk is full", message);
            Assert.Contains("/var/lib/stork/store/files/tmp/x", message);
            return;
        }
        Assert.Fail("the test package has no regular file");
    }
}
