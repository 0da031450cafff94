using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>The host store with real processes and a real nginx: parallel installs with gc, kill -9 recovery, plans.</summary>
public sealed class StoreEndToEndTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private TestHost NewHost(params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var guest in guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }

    [Fact]
    public async Task Sixteen_parallel_installs_with_gc_running_fetch_each_blob_once_and_verify_clean()
    {
        var guests = Enumerable.Range(1, 16).Select(i => $"g{i:00}").ToArray();
        using var host = NewHost(guests);
        PublishedRepository.Expect(host.Get("refresh"), "refresh");
        var before = repo.Nginx.Requests().Count;

        var gc = Task.Run(() =>
        {
            var results = new List<ProcessResult>();
            for (int i = 0; i < 6; i++) results.Add(StoreCli.Finish(StoreCli.Start(host, "gc")));
            return results;
        });
        var installs = guests.Select(g => StoreCli.Start(host, "install", "--guest", g, "hello")).ToList();
        var results = installs.Select(StoreCli.Finish).ToList();
        foreach (var r in results.Concat(await gc)) Assert.True(r.ExitCode == 0, r.ToString());

        var blobGets = repo.Nginx.Requests().Skip(before).Where(l => l.StartsWith("GET /targets/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, blobGets.Count); // hello, busybox, greet-data: one GET each for 16 guests
        Assert.Equal(3, blobGets.Distinct().Count());

        var verify = host.Get("verify", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Empty(JsonNode.Parse(verify.Stdout)!["drift"]!.AsArray());
        Assert.Equal(16, (int)JsonNode.Parse(verify.Stdout)!["guests"]!);
    }

    [Fact]
    public void Kill_9_at_random_points_of_install_upgrade_remove_and_gc_always_recovers()
    {
        using var host = NewHost("a", "b");
        foreach (var g in new[] { "a", "b" })
        {
            PublishedRepository.Expect(host.Get("install", "--guest", g, "greet-data"), "install greet-data");
            File.WriteAllText(Path.Combine(host.GuestRoot(g), "etc/greet.conf"), "greeting=Edited\n");
        }
        var operations = new[]
        {
            new[] { "install", "hello=1.0.0" },
            ["install", "hello=2.0.0-beta.1"],
            ["remove", "hello"],
            ["gc", "--keep-generations", "2"],
        };
        var random = new Random(Environment.GetEnvironmentVariable("STORK_CRASH_SEED") is { } seed ? int.Parse(seed) : 20261125);
        int crashed = 0, i = 0;
        var next = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        // Each guest cycles install 1.0.0 -> upgrade -> remove -> gc, so most runs change something; kill -9 at a
        // random crash point until at least 25 runs were killed.
        for (; crashed < 25 && i < 80; i++)
        {
            var guest = random.Next(2) == 0 ? "a" : "b";
            var op = operations[next[guest]++ % operations.Length];
            string[] args = op[0] == "gc" ? op : [op[0], "--guest", guest, .. op[1..]];
            var run = StoreCli.Run(host, new Dictionary<string, string> { ["STORK_CRASH_AFTER"] = random.Next(1, 16).ToString() }, args);
            if (run.ExitCode == 137) crashed++;
            else if (run.ExitCode is not (0 or 5)) Assert.Fail($"{string.Join(' ', args)}: {run}"); // 5: e.g. removing what is not installed

            // Every other time through `recover`; otherwise verify itself recovers the guests it touches.
            if (i % 2 == 0)
            {
                var recover = host.Get("recover");
                Assert.True(recover.ExitCode == 0, recover.ToString());
            }
            var verify = host.Get("verify");
            Assert.True(verify.ExitCode == 0, $"after {string.Join(' ', args)} (iteration {i}): {verify}");
            foreach (var g in new[] { "a", "b" })
            {
                Assert.Equal("greeting=Edited\n", File.ReadAllText(Path.Combine(host.GuestRoot(g), "etc/greet.conf")));
                Assert.Empty(Directory.EnumerateFileSystemEntries(host.GuestRoot(g), ".stork-*", SearchOption.AllDirectories));
            }
        }
        Assert.True(crashed >= 25, $"only {crashed} of {i} runs were killed");
    }

    [Fact]
    public void Dry_run_prints_the_plan_and_changes_nothing()
    {
        using var host = NewHost("a", "b");
        var dry = host.Get("install", "--guest", "a", "hello", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        var plan = JsonNode.Parse(dry.Stdout)!.AsArray()[0]!["plan"]!;
        Assert.Equal(3, plan["blobs_to_fetch"]!.AsArray().Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.GuestRoot("a")));

        PublishedRepository.Expect(host.Get("install", "--guest", "a", "hello"), "install");
        dry = host.Get("install", "--guest", "b", "hello", "--dry-run", "--json");
        plan = JsonNode.Parse(dry.Stdout)!.AsArray()[0]!["plan"]!;
        Assert.True((bool)plan["complete"]!);
        var actions = plan["actions"]!.AsArray().Select(a => ((string)a!["action"]!, (string)a["path"]!)).ToList();
        Assert.Contains(("link", "/bin/busybox"), actions);
        Assert.Contains(("copy", "/etc/greet.conf"), actions);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.GuestRoot("b")));

        var text = host.Get("remove", "--guest", "a", "hello", "--dry-run");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("remove", text.Stdout);
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("a"), "bin/busybox")));

        var history = host.Get("history", "--guest", "a", "--json");
        Assert.Single(JsonNode.Parse(history.Stdout)!.AsArray());
    }

    [Fact]
    public void Unowned_file_in_the_way_exits_6_naming_the_path()
    {
        using var host = NewHost("a");
        Directory.CreateDirectory(Path.Combine(host.GuestRoot("a"), "etc"));
        Directory.CreateDirectory(Path.Combine(host.GuestRoot("a"), "bin"));
        File.WriteAllText(Path.Combine(host.GuestRoot("a"), "bin/busybox"), "mine\n");
        var install = host.Get("install", "--guest", "a", "hello");
        Assert.Equal(6, install.ExitCode);
        Assert.Contains("/bin/busybox", install.Stderr);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(host.GuestRoot("a"), "bin/busybox")));
    }
}
