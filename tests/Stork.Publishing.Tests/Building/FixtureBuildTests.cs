using Stork.Format.Packages;
using Stork.Publishing.Building;
using Xunit;

namespace Stork.Publishing.Tests.Building;

/// <summary>Builds every fixture source tree laid out by fixtures/make-fixtures.sh (skipped silently when absent).</summary>
public class FixtureBuildTests
{
    [Fact]
    public void AllFixturesBuildAndVerify()
    {
        var sources = Path.Combine(RepoRoot.Path, "fixtures", "build", "src");
        if (!Directory.Exists(sources)) return; // run fixtures/make-fixtures.sh to enable
        using var temp = new TempDir();
        foreach (var source in Directory.EnumerateDirectories(sources))
        {
            var built = PackageBuilder.Build(source, temp.Path);
            using var reader = PackageReader.Open(built.Path);
            reader.VerifyAll();
            Assert.Equal(Path.GetFileName(source), $"{built.Manifest.Name}-{built.Manifest.Version}");
            if (built.Manifest.Name == "busybox")
            {
                var files = built.Manifest.Files.ToDictionary(f => f.Path);
                Assert.Equal("0755", files["bin/busybox"].Mode);
                Assert.Equal("busybox", files["bin/sh"].Target);
            }
        }
    }
}
