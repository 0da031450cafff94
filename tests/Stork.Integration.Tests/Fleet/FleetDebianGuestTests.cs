using System.Text.Json.Nodes;
using Stork.Integration.Tests.Debian;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Fleet;

/// <summary>
/// `stork-get apply` (what the fleet agent runs each round) treats Debian guests as the CLI does: the guest's dpkg base
/// image meets dependencies and is never installed over, maintainer scripts run under stork.json's policy, Stork's
/// packages are registered in the guest's dpkg database, and a guest declared <c>--base dpkg</c> that lost its dpkg
/// database is that guest's error while the others converge.
/// </summary>
public sealed class FleetDebianGuestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-fleet-deb-").FullName;
    private string Repo => Path.Combine(_dir, "repo");
    private string File(string name) => Path.Combine(_dir, name);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    [Fact]
    public void Apply_honours_the_dpkg_base_image_and_the_script_policy()
    {
        Assert.True(Environment.UserName == "root", "the script runner needs root; run the integration tests as root (CI does)");
        var busybox = RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0", "bin", "busybox");
        Assert.True(System.IO.File.Exists(busybox), "needs the fixture sources: run sh fixtures/make-fixtures.sh (./test.sh does)");
        using var builder = new TestHost();

        // fleet-tool depends on libfake, which no repository has: only the guests' dpkg base image can meet it.
        const string postinst = """
            #!/bin/sh
            if [ "$1" = configure ]; then echo "configured by $DPKG_MAINTSCRIPT_NAME" > /var/lib/fleet-tool.configured; fi
            """;
        var deb = TestDebs.Build(builder, "fleet-tool", "1.0-1", new() { ["usr/share/fleet-tool/README"] = "fleet\n" }, postinst, depends: "libfake (>= 1.0)");
        Publish("init", Repo);
        Publish("import-deb", deb, "--output", File("imported"), "--level", "3");
        Publish(["add", Repo, .. Directory.GetFiles(File("imported"), "*.stork"), "--publish"]);
        var fleetKey = File("fleet.key.json");
        Publish("key", "new", "--out", fleetKey);
        Publish("fleet", "init", Repo, "--key", fleetKey);
        var site = File("site.json");
        Publish("fleet", "new", site);
        Publish("fleet", "group", site, "all", "--include", "h1");
        Publish("fleet", "action", site, "all", "install", "fleet-tool");
        Publish("fleet", "publish", Repo, site, "--as", "site.json", "--key", fleetKey);
        using var nginx = new NginxServer(Path.Combine(Repo, "public"));

        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(Repo, "public", "metadata", "1.root.json"), "--host", "h1"), "init");
        var configPath = Path.Combine(host.Home, "config", "stork.json");
        var config = JsonNode.Parse(System.IO.File.ReadAllText(configPath))!.AsObject();
        config["scripts"] = new JsonObject { ["allowed_roles"] = new JsonArray("targets") };
        System.IO.File.WriteAllText(configPath, config.ToJsonString());
        foreach (var guest in new[] { "deb1", "deb2" })
        {
            var root = host.GuestRoot(guest);
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg"));
            System.IO.File.Copy(busybox, Path.Combine(root, "bin", "busybox"));
            System.IO.File.CreateSymbolicLink(Path.Combine(root, "bin", "sh"), "busybox");
            System.IO.File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"),
                "Package: libfake\nStatus: install ok installed\nArchitecture: all\nVersion: 1.2-1\nDescription: the image's\n");
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", root, "--base", "dpkg"), "guest add " + guest);
        }
        // deb2 loses its dpkg database: declared, so it is its error, and deb1 still converges.
        System.IO.File.Delete(Path.Combine(host.GuestRoot("deb2"), "var/lib/dpkg/status"));

        var apply = host.Get("apply");
        Assert.True(apply.ExitCode == 6, apply.ToString());
        Assert.Contains("guest 'deb2' was registered with --base dpkg but has no /var/lib/dpkg/status", apply.Stderr);
        var root1 = host.GuestRoot("deb1");
        Assert.Contains("\"fleet-tool\"", FleetLab.Installed(host, "deb1"));
        Assert.DoesNotContain("libfake", FleetLab.Installed(host, "deb1"));
        Assert.Equal("configured by postinst\n", System.IO.File.ReadAllText(Path.Combine(root1, "var/lib/fleet-tool.configured")));
        var status = System.IO.File.ReadAllText(Path.Combine(root1, "var/lib/dpkg/status"));
        Assert.Contains("Package: libfake\n", status);
        Assert.Contains("Package: fleet-tool\n", status);
        Assert.True(System.IO.File.Exists(Path.Combine(root1, "var/lib/dpkg/info/fleet-tool.md5sums")));
        Assert.DoesNotContain("\"fleet-tool\"", FleetLab.Installed(host, "deb2"));
        Assert.False(System.IO.File.Exists(Path.Combine(host.GuestRoot("deb2"), "usr/share/fleet-tool/README")));
    }
}
