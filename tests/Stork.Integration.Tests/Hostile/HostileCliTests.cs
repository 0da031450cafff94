using System.Globalization;
using Stork.Integration.Tests.Store;
using Stork.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// The hostile-guest suite through the real stork-get CLI against a repository served by nginx, with both guest
/// resolvers (openat2 and the fallback walk, STORK_GUEST_RESOLVE=walk). While install, upgrade, rollback, repair,
/// remove and verify run on guest g, processes chrooted into g swap its directories with symlinks to a host victim
/// directory (RENAME_EXCHANGE), plant symlinks at staging names and swap FIFOs in for files, and a process in guest
/// a loops open(O_WRONLY) over a's hard links of the same store files; last, g is removed (guest remove
/// --delete-files) with the racers still at work. Asserted: the victim directory is unchanged
/// (content, mode, links, inode, immutable flag), no command hangs (each finishes within a deadline), every exit
/// code is 0 or 6 (a guest error), guests a (default sharing group) and t (its own group) read unchanged bytes,
/// the writer wrote nothing, and every store file of every group is still immutable and hashes to its name.
/// STORK_HOSTILE_CYCLES (default 2) sets the cycles of 8 raced commands per resolver; tests/soak/hostile.sh raises it.
/// </summary>
public sealed class HostileCliTests(PublishedRepository repo, ITestOutputHelper output) : IClassFixture<PublishedRepository>
{
    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("STORK_HOSTILE_CYCLES"), out var n) && n > 0 ? n : 2;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private sealed class Tally
    {
        public int Commands;
        public SortedDictionary<int, int> Exits { get; } = new();
        public List<string> Unexpected { get; } = [];
        public int NotInstalled;
    }

    private void Raced(TestHost host, string resolver, Tally tally, params string[] args)
    {
        tally.Commands++;
        ProcessResult run;
        try
        {
            run = ProcessRunner.Run("dotnet", [StoreCli.Dll, "--home", host.Home, .. args],
                environment: new Dictionary<string, string> { ["STORK_GUEST_RESOLVE"] = resolver }, timeout: Deadline);
        }
        catch (TimeoutException)
        {
            tally.Unexpected.Add($"{string.Join(' ', args)}: HUNG (no exit within {Deadline.TotalSeconds:0} s)");
            return;
        }
        tally.Exits[run.ExitCode] = tally.Exits.GetValueOrDefault(run.ExitCode) + 1;
        output.WriteLine($"{string.Join(' ', args)}: exit {run.ExitCode} {run.Stderr.Split('\n')[0]}");
        // A remove after a refused install finds nothing to remove: a request error about exactly that is expected.
        if (run.ExitCode == 5 && args[0] == "remove" && run.Stderr.Contains("is not installed", StringComparison.Ordinal)) { tally.NotInstalled++; return; }
        if (run.ExitCode is not (0 or 6)) tally.Unexpected.Add($"{string.Join(' ', args)}: {run}");
        // Exit 6 is one error line, or, from verify, the list of drifted paths (what the racers left is drift).
        else if (run.ExitCode == 6 && !run.Stderr.StartsWith("error:", StringComparison.Ordinal) && !(args[0] == "verify" && run.Stdout.Contains("drifted", StringComparison.Ordinal)))
            tally.Unexpected.Add($"exit 6 without an error line: {string.Join(' ', args)}: {run}");
    }

    [Theory]
    [InlineData("openat2")]
    [InlineData("walk")]
    public void Raced_hostile_guest_through_the_cli_never_reaches_the_host_other_guests_or_the_store(string resolver)
    {
        if (Environment.UserName != "root") Assert.Fail("the hostile suite needs root (chroot, chattr +i on store files)");
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        PublishedRepository.Expect(host.Get("guest", "add", "g", "--root", host.GuestRoot("g")), "guest add g");
        PublishedRepository.Expect(host.Get("guest", "add", "a", "--root", host.GuestRoot("a")), "guest add a");
        PublishedRepository.Expect(host.Get("guest", "add", "t", "--root", host.GuestRoot("t"), "--share-group", "tenant"), "guest add t");
        foreach (var guest in new[] { "g", "a", "t" })
            PublishedRepository.Expect(host.Get("install", "--guest", guest, "libdemo=1.0.0", "hello=1.0.0"), $"install into {guest}");

        var victim = TreeHashes.CreateVictim(Path.Combine(host.Directory, "victim"));
        var victimBefore = TreeHashes.Take(victim);
        var aBefore = TreeHashes.Contents(host.GuestRoot("a"));
        var tBefore = TreeHashes.Contents(host.GuestRoot("t"));
        var stateDir = Path.Combine(host.Home, "state");
        Assert.True(TreeHashes.StoreFileCount(stateDir) >= 4, "the store holds the installed packages' files");
        Assert.Empty(TreeHashes.BadStoreFiles(stateDir));
        var shared = new[] { "usr/lib/libdemo/data.txt", "usr/lib/libdemo/VERSION", "usr/share/greet/messages.txt", "usr/bin/hello" }
            .Where(p => File.Exists(Path.Combine(host.GuestRoot("a"), p))).ToArray();
        Assert.True(shared.Length >= 3, "guest a links the shared files its writer attacks");

        var g = host.GuestRoot("g");
        var tally = new Tally();
        var racers = new List<GuestRacer>();
        IReadOnlyDictionary<string, long> writer;
        try
        {
            racers.Add(GuestRacer.Start(g, "exchange", "usr/lib/libdemo", victim));
            racers.Add(GuestRacer.Start(g, "exchange", "usr/bin", Path.Combine(victim, "sub")));
            racers.Add(GuestRacer.Start(g, "staging", "usr/lib/libdemo", Path.Combine(victim, "secret")));
            racers.Add(GuestRacer.Start(g, "staging", "etc", Path.Combine(victim, "secret")));
            // Shared files are immutable store inodes the guest cannot rename; its config file is its own copy.
            racers.Add(GuestRacer.Start(g, "fifo", "etc/greet.conf"));
            var openw = GuestRacer.Start(host.GuestRoot("a"), ["openw", .. shared]);
            racers.Add(openw);
            for (int i = 0; i < Cycles; i++)
            {
                Raced(host, resolver, tally, "install", "--guest", "g", "libdemo=1.1.0");                    // upgrade
                Raced(host, resolver, tally, "rollback", "--guest", "g");
                Raced(host, resolver, tally, "repair", "--guest", "g");
                Raced(host, resolver, tally, "remove", "--guest", "g", "libdemo");
                Raced(host, resolver, tally, "install", "--guest", "g", "libdemo=1.0.0");                    // install
                Raced(host, resolver, tally, "verify", "--guest", "g");
                // Removing hello takes greet-data (and its config file, a FIFO at times) with it; installing brings it back.
                if (i % 2 == 0) Raced(host, resolver, tally, "remove", "--guest", "g", "hello");
                else Raced(host, resolver, tally, "install", "--guest", "g", "hello=2.0.0-beta.1");
                Raced(host, resolver, tally, "rollback", "--guest", "g");
            }
            Raced(host, resolver, tally, "guest", "remove", "g", "--delete-files");                      // guest remove, raced too
            writer = openw.Stop();
            foreach (var r in racers) output.WriteLine($"racer: {string.Join(' ', r.Stop().Select(c => $"{c.Key}={c.Value}"))}");
        }
        finally
        {
            foreach (var r in racers) r.Dispose();
        }

        output.WriteLine($"{resolver}: {tally.Commands} raced commands, exits {string.Join(", ", tally.Exits.Select(e => $"{e.Key}: {e.Value}"))}, " +
                         $"{tally.NotInstalled} removes of a package a refused change had not installed; writer in guest a: " +
                         $"{writer["rounds"]} open(O_WRONLY) attempts, {writer["wins"]} opened, {writer["writes"]} bytes written");
        Assert.True(tally.Unexpected.Count == 0, string.Join("\n", tally.Unexpected));
        Assert.Equal(Cycles * 8 + 1, tally.Commands);
        Assert.Equal(victimBefore, TreeHashes.Take(victim));
        Assert.Equal(0, writer["writes"]);
        Assert.Equal(aBefore, TreeHashes.Contents(host.GuestRoot("a")));
        Assert.Equal(tBefore, TreeHashes.Contents(host.GuestRoot("t")));
        var bad = TreeHashes.BadStoreFiles(stateDir);
        Assert.True(bad.Count == 0, string.Join("\n", bad));

        // Afterwards the host is consistent: recover has nothing to fail on, and the untouched guests verify clean.
        var recover = host.Get("recover");
        Assert.True(recover.ExitCode == 0, recover + "\n" + DescribeSharedFiles(g, stateDir));
        var verify = host.Get("verify", "--guest", "a", "--guest", "t");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(victimBefore, TreeHashes.Take(victim));
    }

    [Fact]
    public void Sharing_groups_through_the_cli_keep_tenants_apart_and_repair_every_guest_of_a_changed_inode()
    {
        if (Environment.UserName != "root") Assert.Fail("needs root");
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        // STORK_NO_IMMUTABLE: the store as a guest holding CAP_LINUX_IMMUTABLE sees it (it can lift the flag itself).
        var mutable = new Dictionary<string, string> { ["STORK_NO_IMMUTABLE"] = "1" };
        foreach (var (guest, group) in new[] { ("x1", "tenantx"), ("x2", "tenantx"), ("y", "tenanty"), ("d", "default") })
        {
            Expect(StoreCli.Run(host, mutable, "guest", "add", guest, "--root", host.GuestRoot(guest), "--share-group", group), $"guest add {guest}");
            Expect(StoreCli.Run(host, mutable, "install", "--guest", guest, "libdemo=1.0.0"), $"install into {guest}");
        }
        var list = StoreCli.Run(host, mutable, "guest", "list", "--json");
        Assert.Contains("\"share_group\":\"tenantx\"", list.Stdout.Replace(" ", ""));
        string File(string guest) => Path.Combine(host.GuestRoot(guest), "usr/lib/libdemo/data.txt");
        var x1 = Stork.Client.Store.Native.LStat(File("x1"))!.Value;
        Assert.True(x1.IsSameFileAs(Stork.Client.Store.Native.LStat(File("x2"))!.Value), "guests of one group share the inode");
        Assert.False(x1.IsSameFileAs(Stork.Client.Store.Native.LStat(File("y"))!.Value), "tenants never share an inode");
        Assert.False(x1.IsSameFileAs(Stork.Client.Store.Native.LStat(File("d"))!.Value), "tenants never share an inode");
        var original = System.IO.File.ReadAllText(File("d"));

        using (var stream = new FileStream(File("x1"), FileMode.Open, FileAccess.Write)) stream.Write("CHANGED"u8);
        var verify = StoreCli.Run(host, mutable, "verify", "--guest", "x1");
        Assert.True(verify.ExitCode == 6, verify.ToString());
        Assert.Contains("x1: /usr/lib/libdemo/data.txt", verify.Stdout);
        Assert.Contains("x2: /usr/lib/libdemo/data.txt", verify.Stdout);
        Assert.DoesNotContain("y: ", verify.Stdout);
        Assert.DoesNotContain("d: ", verify.Stdout);
        Assert.Equal(original, System.IO.File.ReadAllText(File("y")));
        // verify --json names the kind of drift for scripts (DriftKindText): here a changed content.
        var json = StoreCli.Run(host, mutable, "verify", "--guest", "x1", "--json");
        Assert.True(json.ExitCode == 6, json.ToString());
        var drift = System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!["drift"]!.AsArray();
        Assert.Contains(drift, d => (string?)d!["guest"] == "x1" && (string?)d["path"] == "/usr/lib/libdemo/data.txt" && (string?)d["kind"] == "content");

        var repair = StoreCli.Run(host, mutable, "repair", "--guest", "x1");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains("x2: repaired /usr/lib/libdemo/data.txt", repair.Stdout);
        Expect(StoreCli.Run(host, mutable, "verify"), "verify after repair");
        foreach (var guest in new[] { "x1", "x2", "y", "d" }) Assert.Equal(original, System.IO.File.ReadAllText(File(guest)));
    }

    // For a failure message: what each regular file of the guest is (inode, flags) and which store file, if any, shares its inode.
    private static string DescribeSharedFiles(string guestRoot, string stateDir)
    {
        if (!Directory.Exists(guestRoot)) return "(guest root gone)";
        var store = Directory.EnumerateFiles(stateDir, "*", SearchOption.AllDirectories)
            .Select(f => (Path: f, Status: Stork.Client.Store.Native.LStat(f)))
            .Where(f => f.Status is { IsRegularFile: true }).ToList();
        var lines = new List<string>();
        foreach (var file in Directory.EnumerateFiles(guestRoot, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (Stork.Client.Store.Native.LStat(file) is not { IsRegularFile: true } st) continue;
            var twin = store.FirstOrDefault(s => s.Status!.Value.IsSameFileAs(st)).Path;
            lines.Add($"{Path.GetRelativePath(guestRoot, file)}: links {st.LinkCount}, immutable {st.IsImmutable}, store {(twin is null ? "none" : Path.GetRelativePath(stateDir, twin))}");
        }
        return string.Join("\n", lines);
    }

    private static void Expect(ProcessResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
}
