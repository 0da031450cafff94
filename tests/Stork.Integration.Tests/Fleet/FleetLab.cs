using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Fleet;

/// <summary>A repository with the fixture packages and a fleet role, for the agent tests; hosts get short agent timings.</summary>
public sealed class FleetLab : IDisposable
{
    /// <summary>The agent test classes share one published lab (each test works on a <see cref="Clone"/>) and run one after the other.</summary>
    public const string Collection = "fleet agent";

    public string Dir { get; }
    public string Repo => Path.Combine(Dir, "repo");
    public string Public => Path.Combine(Repo, "public");
    public string FleetKey => Path.Combine(Dir, "fleet.key.json");
    public string File(string name) => Path.Combine(Dir, name);

    public void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    /// <summary>Packages, the fleet role, and fleet/site.json: web1/web2 get hello, every guest of h1 busybox.</summary>
    public FleetLab()
    {
        Dir = Directory.CreateTempSubdirectory("stork-agent-").FullName;
        Publish("init", Repo);
        var built = File("built");
        foreach (var source in Fixtures.PackageDirs) Publish("build", source, "--output", built);
        Publish(["add", Repo, .. Directory.GetFiles(built, "*.stork"), "--publish"]);
        Publish("key", "new", "--out", FleetKey);
        Publish("fleet", "init", Repo, "--key", FleetKey);
        var site = File("site.json");
        Publish("fleet", "new", site);
        Publish("fleet", "group", site, "all", "--include", "h1");
        Publish("fleet", "group", site, "web", "--include", "h1/web1", "h1/web2");
        Publish("fleet", "action", site, "all", "install", "busybox");
        Publish("fleet", "action", site, "web", "install", "hello", "--range", "[1.0.0,2.0.0)");
        Publish("fleet", "publish", Repo, site, "--as", "site.json", "--key", FleetKey);
    }

    private FleetLab(string dir) => Dir = dir;

    /// <summary>A private copy (repository, keys) for one test to change and serve; publishing once per class keeps the tests fast.</summary>
    public FleetLab Clone()
    {
        var copy = Directory.CreateTempSubdirectory("stork-agent-").FullName;
        PublishedRepository.Expect(ProcessRunner.Run("cp", ["-a", Dir + "/.", copy]), "cp -a");
        return new FleetLab(copy);
    }

    /// <summary>A host named <paramref name="name"/> with guests, following <paramref name="url"/>; agent rounds every second.</summary>
    public TestHost NewHost(Uri url, string name, string[] guests, JsonObject? extraConfig = null)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", url.ToString(), "--root", Path.Combine(Public, "metadata", "1.root.json"), "--host", name), "init");
        foreach (var guest in guests) PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), "guest add");
        var configPath = Path.Combine(host.Home, "config", "stork.json");
        var config = JsonNode.Parse(System.IO.File.ReadAllText(configPath))!.AsObject();
        config["agent"] = new JsonObject { ["interval_seconds"] = 1, ["splay_seconds"] = 0, ["retry_min_seconds"] = 0.2, ["retry_max_seconds"] = 1 };
        config["root_check_interval_seconds"] = 0;
        foreach (var (k, v) in extraConfig ?? []) config[k] = v?.DeepClone();
        System.IO.File.WriteAllText(configPath, config.ToJsonString());
        return host;
    }

    public static string Installed(TestHost host, string guest) => host.Get("list", "--guest", guest, "--json").Stdout;

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

[Xunit.CollectionDefinition(FleetLab.Collection)]
public sealed class FleetLabCollection : Xunit.ICollectionFixture<FleetLab>;
