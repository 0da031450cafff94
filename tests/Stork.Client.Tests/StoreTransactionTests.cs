using Stork.Client.Guests;
using Stork.Client.Model;
using Stork.Client.State;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests;

public class StoreTransactionTests
{
    private static (DesiredPackage V1, DesiredPackage V2, DesiredPackage Lib) Packages(HostFixture host)
    {
        var lib = host.Build("lib", "1.0.0", new Dictionary<string, string> { ["usr/lib/libx.so"] = "libx\n" }, manual: false);
        var v1 = host.Build("app", "1.0.0", new Dictionary<string, string>
        {
            ["etc/app.conf"] = "level=1\n",
            ["usr/bin/app"] = "#!/bin/sh\necho 1\n",
            ["usr/share/app/old.txt"] = "old\n",
            ["usr/share/app/same.txt"] = "same\n",
            ["usr/bin/app-link@"] = "app",
        }, config: ["etc/app.conf"], executables: ["usr/bin/app"]);
        var v2 = host.Build("app", "2.0.0", new Dictionary<string, string>
        {
            ["etc/app.conf"] = "level=2\n",
            ["usr/bin/app"] = "#!/bin/sh\necho 2\n",
            ["usr/share/app/new.txt"] = "new\n",
            ["usr/share/app/same.txt"] = "same\n",
            ["usr/share/app/empty"] = "",
        }, config: ["etc/app.conf"], executables: ["usr/bin/app"]);
        foreach (var p in new[] { lib, v1, v2 }) host.CacheBlob(p);
        return (v1, v2, lib);
    }

    [Fact]
    public async Task EditedConfigIsKeptOnUpgradeWithTheNewVersionBesideIt()
    {
        using var host = new HostFixture();
        var (v1, v2, lib) = Packages(host);
        host.AddGuest("g");
        var conf = Path.Combine(host.GuestRoot("g"), "etc/app.conf");
        await host.ApplyAsync("g", v1, lib);
        File.WriteAllText(conf, "level=mine\n");

        var report = await host.ApplyAsync("g", v2, lib);
        Assert.Equal("level=mine\n", File.ReadAllText(conf));
        Assert.Equal("level=2\n", File.ReadAllText(conf + ".stork-new"));
        Assert.Equal(["/etc/app.conf"], report.KeptConfigs);
        Assert.Equal(["/etc/app.conf.stork-new"], report.NewConfigs);
        Assert.Equal(1u, Native.LStat(conf + ".stork-new")!.Value.LinkCount); // a copy
        Assert.Empty(host.Maintenance.Verify(["g"]));

        // Removing the package keeps the edited file.
        report = await host.ApplyAsync("g", lib);
        Assert.Equal("level=mine\n", File.ReadAllText(conf));
        Assert.Contains("/etc/app.conf", report.KeptConfigs);
        Assert.Empty(host.TemporariesIn("g"));
    }

    [Fact]
    public async Task EveryChangeIsAGenerationAndRollbackRestoresAnEarlierOne()
    {
        using var host = new HostFixture();
        var (v1, v2, lib) = Packages(host);
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        Assert.Equal(1, (await host.ApplyAsync("g", v1, lib)).Generation);
        Assert.Equal(2, (await host.ApplyAsync("g", v2, lib)).Generation);
        Assert.Equal(2, (await host.ApplyAsync("g", v2, lib)).Generation); // nothing to do: no new generation

        var report = await host.Maintenance.RollbackAsync("g", null, CancellationToken.None);
        Assert.Equal(3, report.Generation);
        Assert.Equal("#!/bin/sh\necho 1\n", File.ReadAllText(Path.Combine(root, "usr/bin/app")));
        Assert.True(File.Exists(Path.Combine(root, "usr/share/app/old.txt")));
        Assert.False(File.Exists(Path.Combine(root, "usr/share/app/new.txt")));
        var history = host.Database.Generations.List("g");
        Assert.Equal([1, 2, 3], history.Select(h => h.Number));
        Assert.Equal("rollback to generation 1", history[^1].Summary);
        Assert.Equal(["app 1.0.0", "lib 1.0.0"], history[^1].Packages.Select(p => $"{p.Name} {p.Version}"));

        await host.Maintenance.RollbackAsync("g", 2, CancellationToken.None);
        Assert.Equal("#!/bin/sh\necho 2\n", File.ReadAllText(Path.Combine(root, "usr/bin/app")));
        Assert.Empty(host.Maintenance.Verify(["g"]));
        await Assert.ThrowsAsync<GuestException>(() => host.Maintenance.RollbackAsync("g", 9, CancellationToken.None));
    }

    /// <summary>
    /// Crashes an upgrade (and a removal) at every crash point in turn; recovery must leave the guest exactly at
    /// the old or the new generation, with verify clean, the edited config intact and no temporaries left.
    /// </summary>
    [Theory]
    [InlineData("upgrade")]
    [InlineData("remove")]
    [InlineData("install")]
    public async Task CrashAtEveryPointRecoversToOneGeneration(string change)
    {
        using var host = new HostFixture();
        var (v1, v2, lib) = Packages(host);
        host.AddGuest("probe");
        if (change != "install") await host.ApplyAsync("probe", v1, lib);
        int points = 0;
        CrashPoints.OnHit = () => points++;
        await Run(host, "probe", change, v2, lib);
        CrashPoints.OnHit = null;
        Assert.True(points > 10, $"only {points} crash points");

        for (int crashAt = 1; crashAt <= points; crashAt++)
        {
            var g = $"g{crashAt}";
            host.AddGuest(g);
            var root = host.GuestRoot(g);
            if (change != "install")
            {
                await host.ApplyAsync(g, v1, lib);
                File.WriteAllText(Path.Combine(root, "etc/app.conf"), "level=mine\n");
            }
            var before = host.Installer.ListInstalled(g).Select(p => $"{p.Name} {p.Version}").ToList();
            int n = 0;
            var at = crashAt;
            CrashPoints.OnHit = () => { if (++n == at) throw new SimulatedCrashException(); };
            await Assert.ThrowsAsync<SimulatedCrashException>(() => Run(host, g, change, v2, lib));
            CrashPoints.OnHit = null;

            host.Installer.Recover(g);
            var after = host.Installer.ListInstalled(g).Select(p => $"{p.Name} {p.Version}").ToList();
            var expectedNew = change switch { "remove" => ["lib 1.0.0"], _ => new List<string> { "app 2.0.0", "lib 1.0.0" } };
            Assert.True(after.SequenceEqual(before) || after.SequenceEqual(expectedNew), $"crash at {at}: {string.Join(", ", after)}");
            Assert.Empty(host.Maintenance.Verify([g]));
            Assert.Empty(host.TemporariesIn(g));
            Assert.Null(host.Database.Journal.Find(g));
            if (change != "install") Assert.Equal("level=mine\n", File.ReadAllText(Path.Combine(root, "etc/app.conf")));
            bool isNew = after.SequenceEqual(expectedNew);
            if (change == "upgrade")
                Assert.Equal(isNew ? "#!/bin/sh\necho 2\n" : "#!/bin/sh\necho 1\n", File.ReadAllText(Path.Combine(root, "usr/bin/app")));
            if (change == "remove" && isNew) Assert.False(File.Exists(Path.Combine(root, "usr/bin/app")));
            if (change == "install" && !isNew) Assert.False(Directory.Exists(Path.Combine(root, "usr/bin")));
            // The guest is usable afterwards: the next change goes through.
            await host.ApplyAsync(g, v2, lib);
            Assert.Empty(host.Maintenance.Verify([g]));
        }
    }

    private static Task Run(HostFixture host, string guest, string change, DesiredPackage v2, DesiredPackage lib) => change switch
    {
        "remove" => host.ApplyAsync(guest, lib with { Manual = true }),
        _ => host.ApplyAsync(guest, v2, lib),
    };

    [Fact]
    public async Task VerifyFindsDriftAndRepairFixesIt()
    {
        using var host = new HostFixture();
        var (v1, _, lib) = Packages(host);
        host.AddGuest("a");
        host.AddGuest("b");
        await host.ApplyAsync("a", v1, lib);
        await host.ApplyAsync("b", v1, lib);
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));

        var rootA = host.GuestRoot("a");
        File.Delete(Path.Combine(rootA, "usr/share/app/old.txt"));
        File.Delete(Path.Combine(rootA, "usr/bin/app-link"));
        File.CreateSymbolicLink(Path.Combine(rootA, "usr/bin/app-link"), "/etc/passwd");
        // Scribbling over a shared (hard-linked) file damages the store copy too: both guests drift.
        var shared = Path.Combine(rootA, "usr/lib/libx.so");
        File.SetUnixFileMode(shared, (UnixFileMode)0x1A4);
        File.WriteAllText(shared, "LIBX\n");

        var drift = host.Maintenance.Verify(["a", "b"]);
        Assert.Contains(drift, d => d is { Guest: "a", Path: "/usr/share/app/old.txt", Problem: "missing" });
        Assert.Contains(drift, d => d is { Guest: "a", Path: "/usr/share/app/old.txt", Kind: DriftKind.Missing });
        Assert.Contains(drift, d => d.Guest == "a" && d.Path == "/usr/bin/app-link" && d.Problem.Contains("symlink"));
        Assert.Contains(drift, d => d is { Guest: "b", Path: "/usr/lib/libx.so" });

        var repaired = await host.Maintenance.RepairAsync("a", CancellationToken.None);
        Assert.Contains("/usr/lib/libx.so", repaired);
        await host.Maintenance.RepairAsync("b", CancellationToken.None);
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
        Assert.Equal("libx\n", File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/lib/libx.so")));
        Assert.True(Native.LStat(shared)!.Value.IsSameFileAs(Native.LStat(Path.Combine(host.GuestRoot("b"), "usr/lib/libx.so"))!.Value));
    }

    [Fact]
    public async Task GcFreesOnlyWhatNoGenerationReferences()
    {
        using var host = new HostFixture();
        var (v1, v2, lib) = Packages(host);
        host.AddGuest("a");
        host.AddGuest("b");
        await host.ApplyAsync("a", v1, lib);
        await host.ApplyAsync("b", v1, lib);
        await host.ApplyAsync("a", v2, lib);
        await host.ApplyAsync("b", v2, lib);

        var kept = await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.Equal(0, kept.StoreFilesRemoved); // generation 1 still names app 1.0.0
        var store = new ContentStore(host.Paths);
        var oldApp = store.PathFor(Sha("#!/bin/sh\necho 1\n"), "0755");
        Assert.True(File.Exists(oldApp));

        var freed = await host.Maintenance.CollectGarbageAsync(1, CancellationToken.None);
        Assert.Equal(3, freed.StoreFilesRemoved); // app 1.0.0's binary, old.txt and its config's store copy
        Assert.Equal("#!/bin/sh\necho 1\n".Length + "old\n".Length + "level=1\n".Length, freed.StoreBytesFreed);
        Assert.Equal(1, freed.BlobsRemoved);
        Assert.False(File.Exists(oldApp));
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
        Assert.True(File.Exists(store.PathFor(Sha("same\n"), "0644")));
    }

    [RootFact] // CAP_LINUX_IMMUTABLE
    public async Task ImmutableStoreRefusesWritesEvenForRootAndStillUpgradesRemovesAndCollects()
    {
        using var host = new HostFixture(immutable: true);
        var (v1, v2, lib) = Packages(host);
        host.AddGuest("a");
        host.AddGuest("b");
        await host.ApplyAsync("a", v1, lib);
        await host.ApplyAsync("b", v1, lib);
        var shared = Path.Combine(host.GuestRoot("a"), "usr/lib/libx.so");
        if (!NativeFs.IsImmutable(shared)) return; // the temp filesystem has no inode flags (e.g. some overlayfs)

        Assert.ThrowsAny<Exception>(() => File.SetUnixFileMode(shared, (UnixFileMode)0x1B6));
        Assert.ThrowsAny<Exception>(() => { using var _ = new FileStream(shared, FileMode.Open, FileAccess.Write); });
        Assert.Equal("libx\n", File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/lib/libx.so")));

        await host.ApplyAsync("a", v2, lib);   // renames over immutable links
        await host.ApplyAsync("b");            // removes them
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.GuestRoot("b")));
        Assert.True(NativeFs.IsImmutable(shared));
        Assert.True(Native.LStat(shared)!.Value.IsImmutable); // statx reports the same flag the ioctl reads
        var freed = await host.Maintenance.CollectGarbageAsync(1, CancellationToken.None);
        Assert.True(freed.StoreFilesRemoved >= 2);
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
    }

    [Fact]
    public async Task ParallelInstallsAndGcNeverLoseContent()
    {
        using var host = new HostFixture();
        var (v1, v2, lib) = Packages(host);
        var guests = Enumerable.Range(0, 8).Select(i => $"g{i}").ToList();
        foreach (var g in guests) host.AddGuest(g);
        var tasks = guests.Select(g => Task.Run(async () =>
        {
            using var db = HostDatabase.Open(host.Paths);
            var installer = new GuestInstaller(host.Paths, db, TimeProvider.System);
            await installer.ApplyAsync(g, [v1, lib], host.Blobs, CancellationToken.None);
            await installer.ApplyAsync(g, [v2, lib], host.Blobs, CancellationToken.None);
        })).ToList();
        var gc = Task.Run(async () =>
        {
            using var db = HostDatabase.Open(host.Paths);
            var installer = new GuestInstaller(host.Paths, db, TimeProvider.System);
            var maintenance = new GuestMaintenance(host.Paths, db, installer);
            for (int i = 0; i < 10; i++) await maintenance.CollectGarbageAsync(1, CancellationToken.None);
        });
        await Task.WhenAll([.. tasks, gc]);
        Assert.Empty(host.Maintenance.Verify(guests));
    }

    [Fact]
    public void LxcContainerDirectoryMeansItsRootfs()
    {
        using var host = new HostFixture();
        var lxc = Path.Combine(host.Root, "lxc", "web");
        Directory.CreateDirectory(Path.Combine(lxc, "rootfs"));
        File.WriteAllText(Path.Combine(lxc, "config"), "lxc.rootfs.path = dir:/var/lib/lxc/web/rootfs\n");
        Assert.Equal(Path.Combine(lxc, "rootfs"), host.Guests.AddGuest("web", lxc).Root);
        Assert.Equal("/var/lib/lxc/db/rootfs", GuestRegistry.ResolveRootLayout("/var/lib/lxc/db"));
        Assert.Equal("/var/lib/machines/db", GuestRegistry.ResolveRootLayout("/var/lib/machines/db"));
    }

    private static string Sha(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
