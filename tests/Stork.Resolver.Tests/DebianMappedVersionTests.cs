using NuGet.Versioning;
using Stork.Resolver.Model;
using static Stork.Resolver.Tests.Scenario;

namespace Stork.Resolver.Tests;

/// <summary>Versions mapped from Debian (labels "deb. … .x1") are ordinary candidates, "~" versions included.</summary>
public class DebianMappedVersionTests
{
    // Mappings of 2.36-9+deb12u4, 2.36-9+deb12u5 and 1.0~rc1-1 (PACKAGE-FORMAT.md §8).
    const string Libc4 = "0.2.0-deb.xzp1.36.x1.x1.9.xzbdeb1.12.xu1.4.x1";
    const string Libc5 = "0.2.0-deb.xzp1.36.x1.x1.9.xzbdeb1.12.xu1.5.x1";
    const string ToolRc = "0.1.0-deb.xzp1.0.x0rc1.1.x1.x1.1.x1";

    [Fact]
    public void Mapped_versions_are_not_held_back_as_prereleases()
    {
        Assert.True(DebianMappedVersions.IsMapped(NuGetVersion.Parse(ToolRc)));
        Assert.False(DebianMappedVersions.IsHeldBackPrerelease(NuGetVersion.Parse(ToolRc)));
        Assert.True(DebianMappedVersions.IsHeldBackPrerelease(NuGetVersion.Parse("2.0.0-beta.1")));
        Assert.True(DebianMappedVersions.IsHeldBackPrerelease(NuGetVersion.Parse("2.0.0-deb.1")));
    }

    [Fact]
    public void The_newest_mapped_version_is_chosen_and_ranges_over_mapped_bounds_work()
    {
        var universe = new[]
        {
            P($"libc6 {Libc4}"), P($"libc6 {Libc5}"), P($"tool {ToolRc}", depends: [$"libc6 [{Libc4},)"]),
        };
        Assert.Equal($"Solved: libc6 {Libc5}, tool {ToolRc}", Solve(universe, new SolveRequest { Install = Items("tool") }));
        Assert.Equal($"Solved: libc6 {Libc4}, tool {ToolRc}",
            Solve(universe, new SolveRequest { Install = Items("tool", $"libc6 (,{Libc5})") }));
    }
}
