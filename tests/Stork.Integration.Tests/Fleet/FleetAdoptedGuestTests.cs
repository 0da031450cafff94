using System.Text.Json.Nodes;
using Stork.Integration.Tests.Debian;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Fleet;

/// <summary>
/// Packages adopted from a guest's dpkg image are its base: a signed fleet manifest that does not list them (and even
/// one that asks to remove one) converges the guest, keeps them installed with the image's files, and the report says
/// they were kept as adopted, round after round.
/// </summary>
public sealed class FleetAdoptedGuestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-fleet-adopted-").FullName;
    private string Repo => Path.Combine(_dir, "repo");
    private string File(string name) => Path.Combine(_dir, name);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    private const string Library = "usr/lib/libimage/libimage.so.1";
    private const string LibraryBytes = "the image's library\n";

    [Fact]
    public void A_fleet_manifest_that_does_not_list_adopted_packages_converges_the_guest_and_keeps_them()
    {
        Assert.True(Environment.UserName == "root", "adopt links store files into the guest; run the integration tests as root (CI does)");
        using var builder = new TestHost();
        var libimage = TestDebs.Build(builder, "libimage", "1.0-1", new() { [Library] = LibraryBytes }, postinst: null);
        var tool = TestDebs.Build(builder, "fleet-tool", "1.0-1", new() { ["usr/share/fleet-tool/README"] = "fleet\n" }, postinst: null);
        Publish("init", Repo);
        Publish("import-deb", libimage, tool, "--output", File("imported"), "--level", "3");
        Publish(["add", Repo, .. Directory.GetFiles(File("imported"), "*.stork"), "--publish"]);
        var fleetKey = File("fleet.key.json");
        Publish("key", "new", "--out", fleetKey);
        Publish("fleet", "init", Repo, "--key", fleetKey);
        var site = File("site.json");
        Publish("fleet", "new", site);
        Publish("fleet", "group", site, "all", "--include", "h1");
        Publish("fleet", "action", site, "all", "install", "fleet-tool"); // libimage is not listed
        Publish("fleet", "publish", Repo, site, "--as", "site.json", "--key", fleetKey);
        using var nginx = new NginxServer(Path.Combine(Repo, "public"));

        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(Repo, "public", "metadata", "1.root.json"), "--host", "h1"), "init");
        var root = host.GuestRoot("img");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, Path.GetDirectoryName(Library)!));
        System.IO.File.WriteAllText(Path.Combine(root, Library), LibraryBytes);
        System.IO.File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"),
            "Package: libimage\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\nDescription: the image's\n\n");
        System.IO.File.WriteAllText(Path.Combine(root, "var/lib/dpkg/info/libimage.list"), $"/usr\n/usr/lib\n/usr/lib/libimage\n/{Library}\n");
        PublishedRepository.Expect(host.Get("guest", "add", "img", "--root", root, "--base", "dpkg"), "guest add img");
        var adopt = host.Get("adopt", "-g", "img");
        Assert.True(adopt.ExitCode == 0 && adopt.Stdout.Contains("img: 1 adopted, 0 not adopted"), adopt.ToString());
        var adoptedInode = Inode(Path.Combine(root, Library));

        for (int round = 1; round <= 2; round++)
        {
            var apply = host.Get("apply", "--json");
            Assert.True(apply.ExitCode == 0, $"round {round}: {apply}");
            var guest = JsonNode.Parse(apply.Stdout)!["guests"]!.AsArray().Single(g => (string?)g!["guest"] == "img")!;
            Assert.Equal(["libimage"], guest["kept_adopted"]!.AsArray().Select(n => (string?)n));
            Assert.Null(guest["error"]);
            var installed = FleetLab.Installed(host, "img");
            Assert.Contains("\"fleet-tool\"", installed);
            Assert.Contains("\"libimage\"", installed);
            Assert.Equal(LibraryBytes, System.IO.File.ReadAllText(Path.Combine(root, Library)));
            Assert.Equal(adoptedInode, Inode(Path.Combine(root, Library)));
        }
        var status = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(host.Home, "state", "status.json")))!;
        var entry = status["guests"]!.AsArray().Single(g => (string?)g!["name"] == "img")!;
        Assert.True((bool)entry["converged"]!, status.ToJsonString());
        Assert.Equal(["libimage"], entry["kept_adopted"]!.AsArray().Select(n => (string?)n));

        // A manifest that asks to remove the adopted package: kept (said among the problems), the guest converges.
        Publish("fleet", "action", site, "all", "remove", "libimage");
        Publish("fleet", "publish", Repo, site, "--as", "site.json", "--key", fleetKey);
        var removing = host.Get("apply");
        Assert.True(removing.ExitCode == 0, removing.ToString());
        Assert.Contains("libimage was adopted from the guest's dpkg image (its base); kept", removing.Stderr);
        Assert.Contains("guest img: kept as adopted (the guest's dpkg image): libimage", removing.Stdout);
        Assert.Contains("\"libimage\"", FleetLab.Installed(host, "img"));
        Assert.Equal(LibraryBytes, System.IO.File.ReadAllText(Path.Combine(root, Library)));
    }

    private static string Inode(string path) => ProcessRunner.Run("stat", ["-c", "%d:%i", path]).Stdout.Trim();
}
