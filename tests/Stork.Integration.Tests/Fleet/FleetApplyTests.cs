using Stork.Integration.Tests.Support;
using Stork.Publishing.Repository;

namespace Stork.Integration.Tests.Fleet;

/// <summary>
/// Signed fleet manifests end to end: a fleet role and a team role delegated under it, published with the CLI,
/// served by nginx; a host converges its guests with `stork-get apply`.
/// </summary>
public sealed class FleetApplyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-fleet-").FullName;
    private string Repo => Path.Combine(_dir, "repo");
    private string FleetKey => Path.Combine(_dir, "fleet.key.json");
    private string TeamKey => Path.Combine(_dir, "team.key.json");
    private string File(string name) => Path.Combine(_dir, name);

    private void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    private NginxServer PublishFleet(Action? extra = null)
    {
        Publish("init", Repo);
        var built = File("built");
        foreach (var source in Fixtures.PackageDirs) Publish("build", source, "--output", built);
        Publish(["add", Repo, .. Directory.GetFiles(built, "*.stork"), "--publish"]);
        Publish("key", "new", "--out", FleetKey);
        Publish("key", "new", "--out", TeamKey);
        Publish("fleet", "init", Repo, "--key", FleetKey);
        Publish("delegate", Repo, "team-a", "--parent", "fleet", "--paths", "fleet/team-a/*", "--key", TeamKey, "--parent-key", FleetKey);

        var site = File("site.json");
        Publish("fleet", "new", site);
        Publish("fleet", "group", site, "everyone", "--include", "h1", "h2", "h3");
        Publish("fleet", "group", site, "web", "--include", "@everyone", "--exclude", "h1/db");
        Publish("fleet", "action", site, "everyone", "install", "busybox");
        Publish("fleet", "action", site, "web", "install", "hello", "--range", "[1.0.0,2.0.0)");
        Publish("fleet", "publish", Repo, site, "--as", "site.json", "--key", FleetKey);

        var team = File("team.json");
        Publish("fleet", "new", team);
        Publish("fleet", "group", team, "team-a/db", "--include", "h1/db");
        Publish("fleet", "action", team, "team-a/db", "install", "libdemo");
        Publish("fleet", "publish", Repo, team, "--as", "team-a/db.json", "--role", "team-a", "--key", TeamKey);
        extra?.Invoke();
        Publish("verify", Repo);
        return new NginxServer(Path.Combine(Repo, "public"));
    }

    private TestHost NewHost(NginxServer nginx, string name, params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(Repo, "public", "metadata", "1.root.json"), "--host", name), "init");
        foreach (var guest in guests) PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), "guest add");
        return host;
    }

    private static string Installed(TestHost host, string guest) => host.Get("list", "--guest", guest, "--json").Stdout;

    [Fact]
    public void Apply_converges_every_guest_of_the_host_to_its_groups()
    {
        using var nginx = PublishFleet();
        using var host = NewHost(nginx, "h1", "web1", "web2", "db");

        var plan = host.Get("apply", "--dry-run", "--json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("\"dry_run\":true", plan.Stdout);
        Assert.Equal("[]", Installed(host, "web1").Trim());

        var before = nginx.Requests().Count;
        var apply = host.Get("apply");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        foreach (var web in new[] { "web1", "web2" })
        {
            Assert.Contains("\"hello\"", Installed(host, web));
            Assert.DoesNotContain("\"libdemo\"", Installed(host, web));
        }
        Assert.Contains("\"libdemo\"", Installed(host, "db"));
        Assert.Contains("\"busybox\"", Installed(host, "db"));
        Assert.DoesNotContain("\"hello\"", Installed(host, "db"));
        var blobGets = nginx.Requests().Skip(before).Where(l => l.StartsWith("GET /targets/packages/", StringComparison.Ordinal)).ToList();
        Assert.Equal(blobGets.Distinct().Count(), blobGets.Count);

        // Converged: a second apply changes nothing; install does nothing when an allowed version is present.
        var again = host.Get("apply", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("\"added\":[\"", again.Stdout);
    }

    [Fact]
    public void A_team_manifest_outside_its_namespace_is_ignored_and_reported()
    {
        using var nginx = PublishFleet(() =>
        {
            // The team's key signs a manifest that reaches for a group it does not own (bypassing the CLI's check).
            var rogue = File("rogue.json");
            System.IO.File.WriteAllText(rogue, """{"format":1,"groups":{"web":{"include":["h1"]}},"actions":[{"group":"web","remove":"hello"}]}""");
            var project = RepositoryProject.Open(Repo, TimeProvider.System);
            project.AddTarget("fleet/team-a/rogue.json", rogue, null, "team-a");
            project.Publish([KeyFiles.Read(TeamKey).Private!]);
        });
        using var host = NewHost(nginx, "h1", "web1");
        var apply = host.Get("apply");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains("fleet/team-a/rogue.json", apply.Stderr);
        Assert.Contains("team-a/...", apply.Stderr);
        Assert.Contains("\"hello\"", Installed(host, "web1"));
    }

    [Fact]
    public void Groups_asking_for_incompatible_things_are_explained_and_nothing_is_applied()
    {
        using var nginx = PublishFleet(() =>
        {
            var canary = File("canary.json");
            Publish("fleet", "new", canary);
            Publish("fleet", "group", canary, "canary", "--include", "h1/web1");
            Publish("fleet", "action", canary, "canary", "remove", "hello");
            Publish("fleet", "publish", Repo, canary, "--as", "canary.json", "--key", FleetKey);
        });
        using var host = NewHost(nginx, "h1", "web1", "web2");
        var apply = host.Get("apply");
        Assert.Equal(5, apply.ExitCode);
        Assert.Contains("group web", apply.Stderr);
        Assert.Contains("group canary", apply.Stderr);
        Assert.Contains("nothing was changed", apply.Stderr);
        Assert.Equal("[]", Installed(host, "web2").Trim());   // web2 could be planned, but nothing is half-applied
    }

    [Fact]
    public async Task Three_hosts_apply_one_manifest_through_a_site_cache_with_one_origin_request_per_file()
    {
        using var origin = PublishFleet();
        var cacheDir = Directory.CreateTempSubdirectory("stork-fleet-cache-").FullName;
        using var cache = new NginxServer(cacheDir, extraHttpConfig: Transfers.SiteCacheTests.SiteCacheHttp(cacheDir),
            locations: Transfers.SiteCacheTests.SiteCacheLocations(origin.BaseUrl));
        string[] guests = ["web1", "web2", "web3", "db"];
        var hosts = new[] { "h1", "h2", "h3" }.Select(name => NewHost(cache, name, guests)).ToList();
        try
        {
            var before = origin.Requests().Count;
            var results = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.Get("apply", "--json", "--no-progress"))));
            foreach (var r in results) Assert.True(r.ExitCode == 0, r.ToString());
            foreach (var h in hosts)
            {
                Assert.Contains("\"hello\"", Installed(h, "web3"));
                Assert.Contains("\"busybox\"", Installed(h, "db"));
            }
            var lines = origin.Requests().Skip(before).Select(l => l.Split(' ')).ToList();
            var files = lines.Where(l => l[1].StartsWith("/targets/", StringComparison.Ordinal)
                || System.Text.RegularExpressions.Regex.IsMatch(l[1], @"^/metadata/[0-9]+\.")).ToList();
            Assert.Contains(files, l => l[1].StartsWith("/targets/fleet/", StringComparison.Ordinal));
            Assert.Contains(files, l => l[1].EndsWith(".fleet.json", StringComparison.Ordinal));
            foreach (var group in files.GroupBy(l => l[1]))
                Assert.True(group.Count() == 1, $"{group.Key} reached the origin {group.Count()} times");
        }
        finally
        {
            foreach (var h in hosts) h.Dispose();
            try { Directory.Delete(cacheDir, recursive: true); } catch (IOException) { }
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
