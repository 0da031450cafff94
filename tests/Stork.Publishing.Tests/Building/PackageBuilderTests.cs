using System.Diagnostics;
using Stork.Format.Packages;
using Stork.Publishing.Building;
using Xunit;

namespace Stork.Publishing.Tests.Building;

public class PackageBuilderTests
{
    private const UnixFileMode Rwxr_xr_x = (UnixFileMode)0x1ED;
    private const UnixFileMode Rw_______ = (UnixFileMode)0x180;

    private static string SampleSource(TempDir temp)
    {
        temp.WriteFile("src/stork-build.json", """
            {
              "name": "sample", "version": "1.2.3", "summary": "sample",
              "depends": [["busybox [1.30.0,)"]],
              "config": ["etc/**/*.conf"],
              "exclude": ["**/*.bak"],
              "modes": [{ "glob": "usr/bin/suid-tool", "mode": "4755" }]
            }
            """);
        temp.WriteFile("src/etc/sample/sample.conf", "x=1\n", Rw_______);
        temp.WriteFile("src/usr/bin/tool", "#!/bin/sh\n", Rwxr_xr_x);
        temp.WriteFile("src/usr/bin/suid-tool", "#!/bin/sh\n", Rwxr_xr_x);
        temp.WriteFile("src/usr/share/sample/readme.txt", "read me\n", (UnixFileMode)0x1B6);
        temp.WriteFile("src/usr/share/sample/readme.bak", "old\n");
        File.CreateSymbolicLink(temp.Combine("src/usr/bin/alias"), "tool");
        Directory.CreateDirectory(temp.Combine("src/var/lib/sample"));
        return temp.Combine("src");
    }

    [Fact]
    public void BuildsDeterministically()
    {
        using var temp = new TempDir();
        var source = SampleSource(temp);
        var first = PackageBuilder.Build(source, temp.Combine("out1"));
        // Different timestamps and a different output directory must not change a byte.
        File.SetLastWriteTimeUtc(Path.Combine(source, "usr/bin/tool"), DateTime.UtcNow.AddDays(-3));
        var second = PackageBuilder.Build(source, temp.Combine("out2"));
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(first.Length, second.Length);
        Assert.Equal(new FileInfo(first.Path).Length, first.Length);
        Assert.EndsWith("sample_1.2.3.stork", first.Path);
    }

    [Fact]
    public void AppliesModesConfigGlobsAndExcludes()
    {
        using var temp = new TempDir();
        var built = PackageBuilder.Build(SampleSource(temp), temp.Combine("out"));
        var files = built.Manifest.Files.ToDictionary(f => f.Path);

        Assert.Equal("0644", files["etc/sample/sample.conf"].Mode);
        Assert.True(files["etc/sample/sample.conf"].IsConfig);
        Assert.Equal("0755", files["usr/bin/tool"].Mode);
        Assert.Equal("4755", files["usr/bin/suid-tool"].Mode);
        Assert.Equal("0644", files["usr/share/sample/readme.txt"].Mode);
        Assert.False(files["usr/share/sample/readme.txt"].IsConfig);
        Assert.Equal("tool", files["usr/bin/alias"].Target);
        Assert.True(files["var/lib/sample"].IsDirectory);
        Assert.True(files["var"].IsDirectory);
        Assert.DoesNotContain("usr/share/sample/readme.bak", files.Keys);
        Assert.DoesNotContain("stork-build.json", files.Keys);

        using var reader = PackageReader.Open(built.Path);
        reader.VerifyAll();
    }

    [Fact]
    public void SymlinkEscapingTheRootFailsTheBuild()
    {
        using var temp = new TempDir();
        var source = SampleSource(temp);
        File.CreateSymbolicLink(Path.Combine(source, "usr/bin/escape"), "../../../etc/shadow");
        var error = Assert.Throws<BuildException>(() => PackageBuilder.Build(source, temp.Combine("out")));
        Assert.Contains("usr/bin/escape", error.Message);
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("out")));
    }

    [Fact]
    public void UnknownBuildManifestFieldFails()
    {
        using var temp = new TempDir();
        temp.WriteFile("src/stork-build.json", """{ "name": "x", "version": "1.0.0", "summary": "", "dependz": [] }""");
        Assert.Throws<BuildException>(() => PackageBuilder.Build(temp.Combine("src"), temp.Combine("out")));
    }

    [Fact]
    public void FifoInSourceFailsTheBuild()
    {
        using var temp = new TempDir();
        var source = SampleSource(temp);
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(source, "usr/bin/pipe")])) mkfifo.WaitForExit();
        var error = Assert.Throws<BuildException>(() => PackageBuilder.Build(source, temp.Combine("out")));
        Assert.Contains("usr/bin/pipe", error.Message);
    }
}
