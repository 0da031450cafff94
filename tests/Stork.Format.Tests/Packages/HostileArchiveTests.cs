using System.Diagnostics;
using System.Text;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Format.Tests.Packages;

/// <summary>Each test crafts an archive that violates one rule and checks the reader rejects it with a clear message.</summary>
public class HostileArchiveTests
{
    private static readonly byte[] Abc = "abc"u8.ToArray();
    private static readonly PackageManifest OneFile = TestPackages.Manifest(TestPackages.FileEntry("a", Abc));

    private static PackageFormatException Rejected(RawTar tar, string fragment)
    {
        var blob = tar.ToZstd();
        var error = Assert.Throws<PackageFormatException>(() => TestPackages.ReadAll(blob));
        Assert.Contains(fragment, error.Message);
        return error;
    }

    [Fact]
    public void WellFormedCraftedArchiveIsAccepted() =>
        TestPackages.ReadAll(new RawTar().Manifest(OneFile).File("a", Abc).ToZstd());

    [Fact]
    public void DotDotPathIsRejected()
    {
        var error = Rejected(new RawTar().Manifest(OneFile).File("../a", Abc), "'..' in path");
        Assert.Contains("hello 1.0.0", error.Message);
        Assert.Equal("../a", error.Entry);
    }

    [Fact]
    public void AbsolutePathIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("/a", Abc), "absolute path");

    [Fact]
    public void SymlinkOutsideRootIsRejected()
    {
        var manifest = TestPackages.Manifest(PackageFileEntry.Symlink("link", "target"));
        Rejected(new RawTar().Manifest(manifest).Symlink("link", "../outside"), "outside the package root");
    }

    [Fact]
    public void AbsoluteSymlinkIsRejected()
    {
        var manifest = TestPackages.Manifest(PackageFileEntry.Symlink("link", "target"));
        Rejected(new RawTar().Manifest(manifest).Symlink("link", "/etc/shadow"), "absolute");
    }

    [Fact]
    public void SymlinkEscapingThroughAnotherSymlinkIsRejected()
    {
        // d/x -> .. stays in the root, but d/y -> x/.. would escape through it at runtime.
        var manifest = TestPackages.Manifest(PackageFileEntry.Directory("d"), PackageFileEntry.Symlink("d/x", ".."), PackageFileEntry.Symlink("d/y", "x/.."));
        Assert.Throws<PackageFormatException>(manifest.Validate);
    }

    [Fact]
    public void HardlinkOutsideRootIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).Entry("a", (byte)'1', 0x1A4, link: "../../etc/shadow"), "hardlink points outside the package root");

    [Fact]
    public void DeviceNodeIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).Entry("a", (byte)'3', 0x1A4), "device nodes are not allowed");

    [Fact]
    public void FifoIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).Entry("a", (byte)'6', 0x1A4), "FIFOs are not allowed");

    [Fact]
    public void UndeclaredSetuidIsRejected()
    {
        var manifest = TestPackages.Manifest(TestPackages.FileEntry("a", Abc, "0755"));
        Rejected(new RawTar().Manifest(manifest).File("a", Abc, mode: 0x9ED /* 04755 */), "setuid/setgid bit not declared");
    }

    [Fact]
    public void UndeclaredSetgidIsRejected()
    {
        var manifest = TestPackages.Manifest(TestPackages.FileEntry("a", Abc, "0755"));
        Rejected(new RawTar().Manifest(manifest).File("a", Abc, mode: 0x5ED /* 02755 */), "setuid/setgid bit not declared");
    }

    [Fact]
    public void DeclaredSetuidIsAccepted()
    {
        var manifest = TestPackages.Manifest(TestPackages.FileEntry("a", Abc, "4755"));
        TestPackages.ReadAll(new RawTar().Manifest(manifest).File("a", Abc, mode: 0x9ED).ToZstd());
    }

    [Fact]
    public void ModeDifferingFromManifestIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("a", Abc, mode: 0x1FF), "differs from the manifest");

    [Fact]
    public void DuplicateEntryIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("a", Abc).File("a", Abc), "duplicate entry");

    [Fact]
    public void SizeDifferingFromManifestIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("a", "abcd"u8.ToArray()), "size 4 differs");

    [Fact]
    public void TamperedContentIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("a", "abd"u8.ToArray()), "sha256 differs");

    [Fact]
    public void EntryNotInManifestIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File("a", Abc).File("b", Abc), "not listed in the manifest");

    [Fact]
    public void ManifestEntryMissingFromArchiveIsRejected()
    {
        var manifest = TestPackages.Manifest(TestPackages.FileEntry("a", Abc), TestPackages.FileEntry("b", Abc));
        var error = Rejected(new RawTar().Manifest(manifest).File("a", Abc), "missing from the archive");
        Assert.Equal("b", error.Entry);
    }

    [Fact]
    public void NonUtf8NameIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).Entry([0x61, 0xFF, 0xFE], (byte)'0', 0x1A4, Abc), "not valid UTF-8");

    [Fact]
    public void ManifestOver4MiBIsRejected() =>
        Rejected(new RawTar().Entry(PackagePaths.ManifestPath, (byte)'0', 0x1A4, declaredSize: 5L * 1024 * 1024), "more than 4194304");

    [Fact]
    public void ManifestMustBeFirst() =>
        Rejected(new RawTar().File("a", Abc).Manifest(OneFile), "first entry must be");

    [Fact]
    public void InvalidManifestJsonIsRejected() =>
        Rejected(new RawTar().ManifestBytes("{\"format\":1,"u8.ToArray()), "invalid manifest JSON");

    [Fact]
    public void ReservedMetadataPathInPayloadIsRejected() =>
        Rejected(new RawTar().Manifest(OneFile).File(".stork/manifest.json", Abc), "reserved");

    [Fact]
    public void TruncatedArchiveIsRejected()
    {
        var tar = new RawTar().Manifest(OneFile).File("a", Abc).ToTar();
        var blob = RawTar.Zstd(tar[..(tar.Length - 1024 - 512)]);
        Assert.Throws<PackageFormatException>(() => TestPackages.ReadAll(blob));
    }

    [Fact]
    public void GarbageIsRejected() =>
        Assert.Throws<PackageFormatException>(() => TestPackages.ReadAll(Encoding.UTF8.GetBytes("not a package at all")));

    [Fact]
    public void ZstdBombFailsFast()
    {
        // 64 MiB of non-zero bytes compresses to a few KiB; the reader must stop at the first bad header.
        var bomb = new byte[64 * 1024 * 1024];
        bomb.AsSpan().Fill((byte)'A');
        var blob = RawTar.Zstd(bomb);
        bomb = null;
        var clock = Stopwatch.StartNew();
        Assert.Throws<PackageFormatException>(() => TestPackages.ReadAll(blob));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void OversizedDataAfterDeclaredEntriesIsBounded()
    {
        // The manifest declares 3 bytes; a file header lying about its size is stopped by the size check,
        // and pax headers are capped, so nothing can make the reader inflate much beyond the manifest's sizes.
        var pax = new RawTar().Manifest(OneFile).Entry("././@PaxHeader", (byte)'x', 0x1A4, new byte[64 * 1024]);
        Rejected(pax, "pax header too large");
    }
}
