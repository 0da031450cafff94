using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Format.Errors;
using Xunit;
using Xunit.Abstractions;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// A guest whose root user races Stork: directory⇄symlink swaps (renameat2 RENAME_EXCHANGE in a tight loop) under
/// install, upgrade, rollback, remove and repair; symlinks planted at staging names; FIFOs swapped in for files
/// during upgrade and verify; open(O_WRONLY) loops over shared files while another guest installs. The racers are
/// real processes chrooted into the guest. Asserts: a victim directory outside every guest is unchanged (content,
/// mode, link count, inode, immutable flag), no command hangs, every failure is a typed guest/local error.
/// Both resolvers run: openat2 and the fallback walk. STORK_HOSTILE_CYCLES raises the count (tests/soak/hostile.sh).
/// </summary>
[Collection("hostile")]
public sealed class HostileGuestTests(ITestOutputHelper output)
{
    private static readonly int Cycles = int.TryParse(Environment.GetEnvironmentVariable("STORK_HOSTILE_CYCLES"), out var n) ? n : 25;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static (DesiredPackage V1, DesiredPackage V2) Packages(HostFixture host)
    {
        var files1 = new Dictionary<string, string>
        {
            ["usr/lib/x/a.so"] = "a one\n",
            ["usr/lib/x/b.so"] = "b one\n",
            ["usr/lib/x/sub/c"] = "c one\n",
            ["usr/bin/tool"] = "#!/bin/sh\necho one\n",
            ["etc/x.conf"] = "x=1\n",
            ["usr/lib/x/empty"] = "",
            ["usr/lib/x/link@"] = "a.so",
        };
        var files2 = files1.ToDictionary(f => f.Key, f => f.Value.Replace("one", "two").Replace("x=1", "x=2"));
        files2["usr/lib/x/new.so"] = "new in two\n";
        return (host.Build("x", "1.0.0", files1, config: ["etc/x.conf"], executables: ["usr/bin/tool"]),
                host.Build("x", "2.0.0", files2, config: ["etc/x.conf"], executables: ["usr/bin/tool"]));
    }

    private sealed class Tally
    {
        public int Commands, Succeeded, GuestErrors;
        public List<string> Unexpected { get; } = [];
    }

    private static async Task Raced(Tally tally, Func<Task> command)
    {
        tally.Commands++;
        try
        {
            await command().WaitAsync(Limit); // a hang fails the test (TimeoutException is not caught)
            tally.Succeeded++;
        }
        catch (StorkException e) when (e.Class is ErrorClass.Guest or ErrorClass.LocalState) { tally.GuestErrors++; }
        catch (Exception e) when (e is not TimeoutException) { tally.Unexpected.Add(e.ToString()); }
    }

    [Theory]
    [InlineData("openat2")]
    [InlineData("walk")]
    public async Task RacedSwapsAndPlantedStagingNamesNeverReachTheHost(string resolver)
    {
        Assert.True(Environment.IsPrivilegedProcess, "the hostile-guest suite runs as root (chroot, immutable flags)");
        GuestRoot.ForceWalk = resolver == "walk";
        try
        {
            using var host = new HostFixture(immutable: true);
            var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
            var before = HostSnapshot.Take(victim);
            var (v1, v2) = Packages(host);
            host.AddGuest("g");
            foreach (var p in new[] { v1, v2 }) host.CacheBlob(p);
            await host.ApplyAsync("g", v1);
            var root = host.GuestRoot("g");
            var tally = new Tally();
            using (var swapSub = Racer.Start(root, "exchange", "usr/lib/x/sub", Path.Combine(victim, "sub")))
            using (var swapLib = Racer.Start(root, "exchange", "usr/lib/x", victim))
            using (var swapBin = Racer.Start(root, "exchange", "usr/bin", victim))
            using (var plant = Racer.Start(root, "staging", "usr/lib/x", Path.Combine(victim, "secret")))
            using (var plantEtc = Racer.Start(root, "staging", "etc", Path.Combine(victim, "secret")))
            {
                for (int i = 0; i < Cycles; i++)
                {
                    await Raced(tally, () => host.ApplyAsync("g", v2));                                                   // upgrade
                    await Raced(tally, () => host.Maintenance.RollbackAsync("g", null, CancellationToken.None));          // rollback
                    await Raced(tally, () => host.Maintenance.RepairAsync("g", CancellationToken.None));                   // repair
                    await Raced(tally, () => host.ApplyAsync("g"));                                                       // remove
                    await Raced(tally, () => host.ApplyAsync("g", v1));                                                   // install
                    await Raced(tally, () => Task.Run(() => host.Maintenance.Verify(["g"])));                              // verify
                    await Raced(tally, () => host.ApplyAsync("g", i % 2 == 0 ? v2 : v1));                                 // upgrade or stay
                    await Raced(tally, () => host.Maintenance.RollbackAsync("g", null, CancellationToken.None));
                }
                var counters = new[] { swapLib, swapSub, swapBin, plant, plantEtc }.Select(r => string.Join(" ", r.Stop())).ToList();
                output.WriteLine($"racers: {string.Join(" | ", counters)}");
            }
            output.WriteLine($"{resolver}: {tally.Commands} raced commands, {tally.Succeeded} succeeded, {tally.GuestErrors} refused with a guest/local error, " +
                $"lift windows {LiftWindows.Count} (max {LiftWindows.Max.TotalMicroseconds:F0} µs)");
            Assert.Empty(tally.Unexpected);
            Assert.Equal(before, HostSnapshot.Take(victim));
            // Without the racers, Stork still works on this guest: whatever the racers left behind is the guest's own
            // (unowned) files, so after clearing them out the guest takes the package and verifies clean.
            host.Installer.RecoverAll();
            try { await host.ApplyAsync("g"); } catch (GuestConflictException) { }
            Directory.Move(root, root + ".left-by-racers"); // holds immutable links; moving the tree aside is enough
            Directory.CreateDirectory(root);
            await host.ApplyAsync("g");
            await host.ApplyAsync("g", v2);
            Assert.Empty(host.Maintenance.Verify(["g"]));
            Assert.Equal(before, HostSnapshot.Take(victim));
        }
        finally
        {
            GuestRoot.ForceWalk = false;
        }
    }

    [Fact]
    public async Task FifoSwappedInDuringUpgradeAndVerifyIsAConflictNotAHang()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the hostile-guest suite runs as root");
        using var host = new HostFixture();
        var (v1, v2) = Packages(host);
        host.AddGuest("g");
        await host.ApplyAsync("g", v1);
        var root = host.GuestRoot("g");
        var tally = new Tally();
        int drifted = 0;
        using (var fifoTool = Racer.Start(root, "fifo", "usr/bin/tool"))
        using (var fifoConf = Racer.Start(root, "fifo", "etc/x.conf"))
        using (var fifoLib = Racer.Start(root, "fifo", "usr/lib/x/a.so"))
        {
            for (int i = 0; i < Cycles; i++)
            {
                await Raced(tally, () => host.ApplyAsync("g", v2));
                await Raced(tally, () => Task.Run(() => drifted += host.Maintenance.Verify(["g"]).Count));
                await Raced(tally, () => host.ApplyAsync("g", v1));
                await Raced(tally, () => host.ApplyAsync("g"));
                await Raced(tally, () => host.ApplyAsync("g", v1));
            }
            output.WriteLine($"racers: {string.Join(" | ", new[] { fifoTool, fifoConf, fifoLib }.Select(r => string.Join(" ", r.Stop())))}");
        }
        output.WriteLine($"{tally.Commands} commands with FIFOs racing, {tally.Succeeded} succeeded, {tally.GuestErrors} guest errors, {drifted} drift reports");
        Assert.Empty(tally.Unexpected);
        Assert.True(tally.Commands >= Cycles * 5);
    }

    [Theory]
    [InlineData("openat2")]
    [InlineData("walk")]
    public async Task FifosWhereRegularFilesAreExpectedAreReportedWithoutBlocking(string resolver)
    {
        GuestRoot.ForceWalk = resolver == "walk";
        try
        {
            using var host = new HostFixture();
            var (v1, v2) = Packages(host);
            host.AddGuest("g");
            await host.ApplyAsync("g", v1);
            var root = host.GuestRoot("g");
            File.Delete(Path.Combine(root, "usr/bin/tool"));
            Assert.Equal(0, Mkfifo(Path.Combine(root, "usr/bin/tool"), 0x1ED));
            Assert.Contains(host.Maintenance.Verify(["g"]), d => d.Path == "/usr/bin/tool" && d.Problem.Contains("FIFO"));
            using (var handle = GuestRoot.Open("g", root))
                Assert.Contains("a FIFO", Assert.Throws<GuestConflictException>(() => handle.Sha256("usr/bin/tool")).Message);
            // An unowned FIFO where a config file is to go is never opened: a conflict, reported at once.
            await host.ApplyAsync("g");
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            Assert.Equal(0, Mkfifo(Path.Combine(root, "etc/x.conf"), 0x1A4));
            var error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", v2).WaitAsync(Limit));
            Assert.Contains("/etc/x.conf", error.Message);
        }
        finally
        {
            GuestRoot.ForceWalk = false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(byte[] path, int mode);

    private static int Mkfifo(string path, int mode) => Mkfifo(System.Text.Encoding.UTF8.GetBytes(path + "\0"), mode);

    [Fact]
    public async Task WriteOpensFromAnotherGuestNeverChangeASharedByteWhileAGuestInstalls()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs CAP_LINUX_IMMUTABLE");
        using var host = new HostFixture(immutable: true);
        var files = Enumerable.Range(0, 40).ToDictionary(i => $"usr/share/p/f{i:D2}", i => $"shared file {i}\n");
        var package = host.Build("p", "1.0.0", files);
        host.AddGuest("a");
        host.AddGuest("b");
        await host.ApplyAsync("a", package);
        var store = new ContentStore(host.Paths);
        var storeFile = store.PathFor(Sha(files["usr/share/p/f00"]), "0644");
        Assert.True(NativeFs.IsImmutable(storeFile), "this filesystem has no inode flags: the immutable store cannot be tested here");
        LiftWindows.Reset();
        int cycles = Cycles * 8;
        IReadOnlyDictionary<string, long> counters;
        using (var writer = Racer.Start(host.GuestRoot("a"), ["openw", .. files.Keys]))
        {
            for (int i = 0; i < cycles; i++)
            {
                await host.ApplyAsync("b", package).WaitAsync(Limit);
                await host.ApplyAsync("b").WaitAsync(Limit);
            }
            counters = writer.Stop();
        }
        output.WriteLine($"{cycles} install cycles of guest b: guest a's writer made {counters["rounds"]} open(O_WRONLY) attempts, " +
            $"{counters["wins"]} opened, {counters["writes"]} bytes written; {LiftWindows.Count} lift windows, " +
            $"mean {LiftWindows.Total.TotalMicroseconds / Math.Max(1, LiftWindows.Count):F1} µs, max {LiftWindows.Max.TotalMicroseconds:F0} µs");
        Assert.Equal(0, counters["writes"]);
        Assert.Empty(host.Maintenance.Verify(["a"]));
        foreach (var (path, content) in files)
            Assert.Equal(content, File.ReadAllText(store.PathFor(Sha(content), "0644")));
    }

    private static string Sha(string content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
}
