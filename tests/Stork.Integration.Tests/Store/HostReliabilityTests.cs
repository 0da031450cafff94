using System.Text.Json.Nodes;
using Stork.Client.Store;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>
/// Issue 13: concurrent commands never fail spuriously, lost host state is never mistaken for an empty host, store
/// protection survives crashes. Real processes, a real nginx, real directories.
/// </summary>
public sealed class HostReliabilityTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private TestHost NewHost(params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var guest in guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }

    private static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("STORK_CONCURRENCY_ROUNDS"), out var n) && n > 0 ? n : 5;

    [Fact]
    public async Task Sixteen_concurrent_installs_on_a_fresh_host_with_gc_never_fail_and_fetch_each_blob_once()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var guests = Enumerable.Range(1, 16).Select(i => $"g{i:00}").ToArray();
            using var host = NewHost(guests); // no refresh yet: every install refreshes the metadata at once
            var before = repo.Nginx.Requests().Count;
            var gc = Task.Run(() => Enumerable.Range(0, 4).Select(_ => StoreCli.Finish(StoreCli.Start(host, "gc"))).ToList());
            var installs = guests.Select(g => StoreCli.Start(host, "install", "--guest", g, "hello")).ToList();
            var results = installs.Select(StoreCli.Finish).ToList();
            var failures = results.Concat(await gc).Where(r => r.ExitCode != 0).ToList();
            Assert.True(failures.Count == 0, $"round {round}: {failures.Count} failed; first: {failures.FirstOrDefault()}");

            var blobGets = repo.Nginx.Requests().Skip(before).Where(l => l.StartsWith("GET /targets/", StringComparison.Ordinal)).ToList();
            // Every blob is fetched once: concurrent installs wait for one download instead of repeating it, and gc
            // waits for every command that has fetched something it has not yet installed (GuestInstaller.PinStore).
            Assert.True(blobGets.Count == 3 && blobGets.Distinct().Count() == 3, $"round {round}: each blob once, got: {string.Join("; ", blobGets)}");
            var verify = host.Get("verify", "--json");
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.Equal(16, (int)JsonNode.Parse(verify.Stdout)!["guests"]!);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.Home, "state", "metadata"), "*stork-tmp*"));
        }
    }

    [Fact]
    public async Task Thirty_two_concurrent_refreshes_and_searches_while_the_repository_re_signs_its_timestamp()
    {
        using var host = NewHost();
        PublishedRepository.Expect(host.Get("refresh"), "refresh");
        using var stop = new CancellationTokenSource();
        int resigned = 0;
        var resigner = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                PublishedRepository.Expect(ProcessRunner.StorkPublish("timestamp", repo.RepoDir, "--refresh"), "timestamp --refresh");
                resigned++;
            }
        });
        var runs = Enumerable.Range(0, 32).Select(_ => StoreCli.Start(host, "refresh"))
            .Concat(Enumerable.Range(0, 8).Select(_ => StoreCli.Start(host, "search", "hello"))).ToList();
        var results = runs.Select(StoreCli.Finish).ToList();
        stop.Cancel();
        await resigner;
        var failures = results.Where(r => r.ExitCode != 0).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {results.Count} failed; first: {failures.FirstOrDefault()}");
        Assert.True(resigned >= 1, "the timestamp was never re-signed during the refreshes");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.Home, "state", "metadata"), "*stork-tmp*"));
    }

    /// <summary>Names and contents of every file under a folder (store files, guests, state), for "nothing changed".</summary>
    private static SortedDictionary<string, string> Tree(string dir, params string[] skip)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(dir, path);
            if (skip.Any(s => relative.StartsWith(s, StringComparison.Ordinal))) continue;
            var info = new FileInfo(path);
            tree[relative] = info.LinkTarget is { } target ? "-> " + target
                : Directory.Exists(path) ? "dir"
                : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        }
        return tree;
    }

    [Fact]
    public void A_lost_or_damaged_state_db_is_refused_without_changes_and_recover_rebuild_restores_a_clean_verify()
    {
        using var host = NewHost("a", "b", "c");
        PublishedRepository.Expect(host.Get("install", "--guest", "a", "--guest", "b", "hello"), "install a b");
        PublishedRepository.Expect(host.Get("install", "--guest", "c", "greet-data"), "install c");
        File.WriteAllText(Path.Combine(host.GuestRoot("a"), "etc/greet.conf"), "greeting=Edited\n");
        var database = Path.Combine(host.Home, "state", "state.db");
        string ListOf(string guest) => string.Join(",", JsonNode.Parse(host.Get("list", "--guest", guest, "--json").Stdout)!.AsArray()
            .Select(p => $"{p!["name"]}={p["version"]}").Order(StringComparer.Ordinal));
        var expected = new[] { "a", "b", "c" }.ToDictionary(g => g, ListOf);
        Assert.Contains("hello=", expected["a"]);

        using var other = NewHost("x"); // another host's perfectly good database
        var damages = new (string Name, Action Damage, string Says)[]
        {
            ("deleted", () => File.Delete(database), "is missing"),
            ("emptied", () => File.WriteAllBytes(database, []), "is empty"),
            ("truncated", () => { using var f = new FileStream(database, FileMode.Open); f.SetLength(f.Length / 2); }, "damaged"),
            ("bit-flipped", () => { var bytes = File.ReadAllBytes(database); bytes[5] ^= 0x10; File.WriteAllBytes(database, bytes); }, "damaged"),
            ("foreign", () => File.Copy(Path.Combine(other.Home, "state", "state.db"), database, overwrite: true), "belongs to host"),
        };
        foreach (var (name, damage, says) in damages)
        {
            Assert.False(File.Exists(database + "-wal"), "the database should be checkpointed between commands");
            damage();
            var before = Tree(host.Directory, "home/state/metadata", "home/state/locks");
            foreach (var args in new[]
                     {
                         new[] { "guest", "list" }, ["list", "--guest", "a"], ["install", "--guest", "a", "libdemo"],
                         ["remove", "--guest", "b", "hello"], ["gc"], ["verify"], ["repair"], ["recover"], ["guest", "add", "d", "--root", host.GuestRoot("d")],
                     })
            {
                var run = host.Get(args);
                Assert.True(run.ExitCode == 7, $"{name}: {string.Join(' ', args)}: {run}");
                Assert.Contains(database, run.Stderr);
                Assert.Contains(says, run.Stderr);
                Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
            }
            Assert.Equal(before, Tree(host.Directory, "home/state/metadata", "home/state/locks"));

            var rebuild = host.Get("recover", "--rebuild");
            Assert.True(rebuild.ExitCode == 0, $"{name}: {rebuild}");
            var verify = host.Get("verify", "--json");
            Assert.True(verify.ExitCode == 0, $"{name}: {verify}");
            Assert.Equal(3, (int)JsonNode.Parse(verify.Stdout)!["guests"]!);
            foreach (var guest in expected.Keys) Assert.Equal(expected[guest], ListOf(guest));
            Assert.Equal("greeting=Edited\n", File.ReadAllText(Path.Combine(host.GuestRoot("a"), "etc/greet.conf")));
        }

        // The rebuilt host works on: changes, gc (which must not free what the guests use), a second rebuild is refused.
        PublishedRepository.Expect(host.Get("remove", "--guest", "b", "hello"), "remove after rebuild");
        PublishedRepository.Expect(host.Get("gc"), "gc after rebuild");
        var clean = host.Get("verify");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        var again = host.Get("recover", "--rebuild");
        Assert.Equal(7, again.ExitCode);
        Assert.Contains("intact", again.Stderr);
    }

    private static List<string> MutableStoreFiles(TestHost host)
    {
        var files = Path.Combine(host.Home, "state", "store", "files");
        return Directory.EnumerateFiles(files, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp")
            .Where(f => Native.LStat(f) is { IsImmutable: false }).ToList();
    }

    [Fact]
    public void A_kill_between_rename_and_protection_leaves_a_file_that_the_next_change_recover_and_repair_re_arm()
    {
        if (Environment.UserName != "root") Assert.Fail("store protection (chattr +i) needs root; the suite runs as root");
        using var host = NewHost("a", "b");
        var crash = new Dictionary<string, string> { ["STORK_CRASH_AT"] = NamedCrashPoint.StoreRenamedNotProtected };

        foreach (var rearm in new[] { new[] { "install", "--guest", "b", "greet-data" }, ["recover"], ["repair"] })
        {
            var killed = StoreCli.Run(host, crash, "install", "--guest", "a", "hello");
            Assert.True(killed.ExitCode == 137, $"expected a kill at {NamedCrashPoint.StoreRenamedNotProtected}: {killed}");
            Assert.NotEmpty(MutableStoreFiles(host));
            var run = host.Get(rearm);
            Assert.True(run.ExitCode == 0, $"{string.Join(' ', rearm)}: {run}");
            Assert.Empty(MutableStoreFiles(host));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(host.Home, "state", "store", "arming")));
            // Undo for the next round: the store must need new files again.
            if (rearm[0] == "install") PublishedRepository.Expect(host.Get("remove", "--guest", "b", "greet-data"), "remove b");
            PublishedRepository.Expect(host.Get("gc", "--keep-generations", "1"), "gc");
        }
        PublishedRepository.Expect(host.Get("install", "--guest", "a", "hello"), "install after the crashes");
        var verify = host.Get("verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }
}
