using Stork.Format.Fleet;
using Stork.Publishing.Fleet;
using Stork.Publishing.Repository;
using Xunit;

namespace Stork.Client.Tests.Fleet;

public class LintTests
{
    private static FleetManifest Parse(string json) => FleetManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "site.json");
    private static readonly HashSet<string> Packages = ["busybox", "hello", "libdemo"];

    [Fact]
    public void A_clean_manifest_has_no_findings()
    {
        var m = Parse("""
            {"format":1,"groups":{"all":{"include":["h1","h2"]},"web":{"include":["@all"],"exclude":["h1/db"]}}, "actions":[{"group":"all","install":"busybox"},{"group":"web","install":"hello","range":"[1.0.0,2.0.0)"},{"group":"web","update":"hello"}]}
            """);
        Assert.Empty(FleetLint.Check(m, new HashSet<string>(), Packages));
    }

    [Fact]
    public void Finds_contradictions_unknown_groups_cycles_and_unknown_packages()
    {
        var m = Parse("""
            {"format":1,"groups":{"web":{"include":["h1"]},"a":{"include":["@b"]},"b":{"include":["@a","@nowhere"]}}, "actions":[{"group":"web","install":"hello"},{"group":"web","remove":"hello"}, {"group":"ghosts","install":"busybox"},{"group":"web","install":"helo"}]}
            """);
        var findings = FleetLint.Check(m, new HashSet<string>(), Packages);
        Assert.Contains(findings, f => f.Contains("group web") && f.Contains("install hello") && f.Contains("remove hello") && f.Contains("contradict"));
        Assert.Contains(findings, f => f.Contains("group ghosts") && f.Contains("no manifest defines"));
        Assert.Contains(findings, f => f.Contains("@nowhere"));
        Assert.Contains(findings, f => f.Contains("a -> b -> a") || f.Contains("b -> a -> b"));
        Assert.Contains(findings, f => f.Contains("package helo"));
        Assert.Equal(5, findings.Count);
        // Groups defined by other published manifests are known; without a repository, package names are not checked.
        var known = FleetLint.Check(m, new HashSet<string> { "ghosts", "nowhere" }, null);
        Assert.Equal(2, known.Count);
    }

    [Fact]
    public void A_later_action_replaces_the_one_it_contradicts_and_delete_removes_one()
    {
        var m = Parse("""
            {"format":1,"groups":{"web":{"include":["h1"]}},"actions":[]}
            """);
        m = FleetManifestFile.AddAction(m, new FleetAction("web", FleetActionKind.Install, "curl", null));
        m = FleetManifestFile.AddAction(m, new FleetAction("web", FleetActionKind.Update, "curl", null));
        Assert.Equal(2, m.Actions.Count);   // install + update combine
        m = FleetManifestFile.AddAction(m, new FleetAction("web", FleetActionKind.Remove, "curl", null));
        Assert.Equal("remove curl", Assert.Single(m.Actions).ToString());
        Assert.Empty(FleetLint.Check(m, new HashSet<string>(), null));
        m = FleetManifestFile.AddAction(m, new FleetAction("web", FleetActionKind.Install, "curl", NuGet.Versioning.VersionRange.Parse("[1.0.0,2.0.0)")));
        Assert.Equal("install curl [1.0.0, 2.0.0)", Assert.Single(m.Actions).ToString());
        m = FleetManifestFile.AddAction(m, new FleetAction("web", FleetActionKind.Install, "hello", null));
        m = FleetManifestFile.DeleteAction(m, "web", "curl", FleetActionKind.Install);
        Assert.Equal("install hello", Assert.Single(m.Actions).ToString());
        Assert.Throws<PublisherException>(() => FleetManifestFile.DeleteAction(m, "web", "curl", null));
    }
}
