using System.Diagnostics;
using System.Security.Cryptography;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Format.Tests.Packages;

public class PackageWriterTests
{
    [Fact]
    public void SameInputGivesByteIdenticalBlob()
    {
        var first = TestPackages.Build();
        var second = TestPackages.Build(payload: Enumerable.Reverse(TestPackages.Payload()));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(first)), Convert.ToHexString(SHA256.HashData(second)));
    }

    [Fact]
    public void BlobRoundTripsThroughReader()
    {
        var blob = TestPackages.Build();
        using var reader = PackageReader.Open(new MemoryStream(blob));
        var seen = new List<string>();
        while (reader.ReadNext() is { } entry)
        {
            seen.Add(entry.Path);
            if (entry.Path == "usr/bin/hello")
            {
                var content = new MemoryStream();
                reader.CopyContentTo(content);
                Assert.Equal(TestPackages.Hello, content.ToArray());
            }
        }
        Assert.Equal(["etc", "etc/greet.conf", "usr", "usr/bin", "usr/bin/empty", "usr/bin/hello", "usr/bin/hi"], seen);
    }

    [Fact]
    public void LongPathsUsePaxHeadersAndRoundTrip()
    {
        var deep = string.Join('/', Enumerable.Range(0, 30).Select(i => $"dir{i:00}"));
        var payload = new List<PayloadEntry> { PayloadEntry.FromBytes(deep + "/file-ü.txt", [1, 2, 3]) };
        var parts = deep.Split('/');
        for (int i = 1; i <= parts.Length; i++) payload.Add(PayloadEntry.Directory(string.Join('/', parts[..i])));
        var blob = TestPackages.Build(payload: payload);
        TestPackages.ReadAll(blob);
        Assert.Contains(deep + "/file-ü.txt", TarList(blob));
    }

    [Fact]
    public void GnuTarListsThePackage()
    {
        var listing = TarList(TestPackages.Build());
        Assert.Equal(".stork/manifest.json", listing[0]);
        Assert.Contains("usr/bin/hello", listing);
        Assert.Contains("usr/bin/", listing);
    }

    [Fact]
    public void EntriesAreSortedByUtf8BytesNotUtf16()
    {
        var payload = new List<PayloadEntry>
        {
            PayloadEntry.Directory("d"),
            PayloadEntry.FromBytes("d/\U0001F600", [1]),
            PayloadEntry.FromBytes("d/\uFFFD", [2]),
        };
        var output = new MemoryStream();
        var manifest = PackageWriter.Write(TestPackages.Info(), payload, output);
        Assert.Equal(["d", "d/\uFFFD", "d/\U0001F600"], manifest.Files.Select(f => f.Path));
        TestPackages.ReadAll(output.ToArray());
    }

    [Fact]
    public void InvalidPayloadIsRejectedAtWriteTime()
    {
        var payload = TestPackages.Payload();
        payload.Add(PayloadEntry.Symlink("usr/bin/evil", "../../../etc/passwd"));
        Assert.Throws<PackageFormatException>(() => TestPackages.Build(payload: payload));
    }

    private static List<string> TarList(byte[] blob)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stork-test-{Guid.NewGuid():N}.stork");
        File.WriteAllBytes(path, blob);
        try
        {
            var start = new ProcessStartInfo("tar", ["--zstd", "-tf", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var tar = Process.Start(start)!;
            var output = tar.StandardOutput.ReadToEnd();
            var error = tar.StandardError.ReadToEnd();
            tar.WaitForExit();
            Assert.True(tar.ExitCode == 0, "tar failed: " + error);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        finally { File.Delete(path); }
    }
}
