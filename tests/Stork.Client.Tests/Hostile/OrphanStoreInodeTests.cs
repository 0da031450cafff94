using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Stork.Client.Guests;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// Store inodes a guest keeps linked at names no package owns ("orphans", <see cref="GuestOrphans"/>): made by the
/// session 6 sequence (the guest moves a directory away while a package is removed, so the removal cannot see the
/// file), or in a store without immutable flags by a guest hard-linking a store file elsewhere. verify reports them,
/// repair unlinks them, gc keeps their store names while they are linked, guest remove --delete-files unlinks them
/// (keeping the guest's own files), and --delete-root deletes the whole root with them, whatever else the guest
/// planted there, touching nothing outside it.
/// </summary>
public sealed class OrphanStoreInodeTests
{
    private static string Sha(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static readonly Dictionary<string, string> Files = new() { ["usr/bin/tool"] = "tool 1\n", ["usr/lib/tool/data"] = "tool data\n" };

    /// <summary>Guest g (and, when asked, guest other) get tool; g then removes it with /usr/bin moved away, and puts it back.</summary>
    private static async Task<(DesiredPackage Tool, InstallReport Removal)> OrphanInGuest(HostFixture host, bool other)
    {
        var tool = host.Build("tool", "1.0.0", Files);
        host.CacheBlob(tool);
        host.AddGuest("g");
        await host.ApplyAsync("g", tool);
        if (other)
        {
            host.AddGuest("other");
            await host.ApplyAsync("other", tool);
        }
        var bin = Path.Combine(host.GuestRoot("g"), "usr/bin");
        var hidden = Path.Combine(host.GuestRoot("g"), "usr/.hidden");
        Directory.Move(bin, hidden);
        var removal = await host.ApplyAsync("g"); // remove tool: /usr/bin/tool cannot be seen
        Directory.Move(hidden, bin);
        Assert.True(Native.LStat(Path.Combine(bin, "tool")) is { IsImmutable: true }, "the hidden file is still a store inode");
        return (tool, removal);
    }

    private static void AssertStoreIntact(HostFixture host)
    {
        foreach (var file in Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp"))
        {
            Assert.Equal(Path.GetFileName(file)[..64], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
            Assert.True(NativeFs.IsImmutable(file), $"{file} is immutable");
        }
    }

    [Fact]
    public async Task Verify_reports_an_orphan_and_repair_releases_it_leaving_the_other_guests_store_file()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var (_, removal) = await OrphanInGuest(host, other: true);
        Assert.Equal(["/usr/bin/tool"], removal.Unreached); // the removal says what it could not reach
        var otherBefore = TreeHashes(host.GuestRoot("other"));
        var storeFile = new ContentStore(host.Paths).PathFor(Sha("tool 1\n"), "0644");

        var drift = Assert.Single(host.Maintenance.Verify(["g"]));
        Assert.Equal(DriftKind.Orphan, drift.Kind);
        Assert.Equal("/usr/bin/tool", drift.Path);
        Assert.Equal("store file linked outside any package: /usr/bin/tool", drift.Problem);
        Assert.Equal("orphan", DriftKindText.Of(drift.Kind));
        Assert.Empty(host.Maintenance.Verify(["other"]));

        var repaired = await host.Maintenance.RepairAsync("g", CancellationToken.None);
        Assert.Equal(["/usr/bin/tool"], repaired);
        Assert.Null(Native.LStat(Path.Combine(host.GuestRoot("g"), "usr/bin/tool")));
        Assert.Empty(host.Maintenance.Verify(["g", "other"]));
        Assert.True(NativeFs.IsImmutable(storeFile), "the store file stays, protected, for the other guest");
        Assert.Equal(otherBefore, TreeHashes(host.GuestRoot("other")));
        AssertStoreIntact(host);
    }

    [Fact]
    public async Task An_orphan_left_in_a_hidden_directory_is_found_by_inode_wherever_it_is()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var tool = host.Build("tool", "1.0.0", Files);
        host.AddGuest("g");
        await host.ApplyAsync("g", tool);
        var root = host.GuestRoot("g");
        Directory.Move(Path.Combine(root, "usr/lib/tool"), Path.Combine(root, "var-tool")); // never moved back
        await host.ApplyAsync("g");

        var drift = Assert.Single(host.Maintenance.Verify(["g"]));
        Assert.Equal(("/var-tool/data", DriftKind.Orphan), (drift.Path, drift.Kind));
        Assert.Equal(["/var-tool/data"], await host.Maintenance.RepairAsync("g", CancellationToken.None));
        Assert.Empty(host.Maintenance.Verify(["g"]));
    }

    [Fact]
    public async Task Gc_keeps_the_store_name_of_a_linked_orphan_and_guest_remove_delete_files_unlinks_it()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        await OrphanInGuest(host, other: false);
        var storeFile = new ContentStore(host.Paths).PathFor(Sha("tool 1\n"), "0644");

        // No guest owns tool 1 any more, but g still links it: gc keeps the name, so it stays recognisably Stork's.
        var gc = await host.Maintenance.CollectGarbageAsync(keepGenerations: 1, CancellationToken.None); // only the current, empty, generation
        Assert.Equal(1, gc.StoreFilesStillLinked);
        Assert.True(File.Exists(storeFile));

        var root = host.GuestRoot("g");
        File.WriteAllText(Path.Combine(root, "guest-data"), "the guest's own file\n");
        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("g", GuestRemovalMode.DeleteFiles, CancellationToken.None);
        Assert.Equal(["/usr/bin/tool"], report.OrphansReleased);
        Assert.Null(Native.LStat(Path.Combine(root, "usr/bin/tool")));
        Assert.Equal("the guest's own file\n", File.ReadAllText(Path.Combine(root, "guest-data"))); // the guest's files stay
        Assert.Null(host.Guests.Find("g"));
        AssertStoreIntact(host);
        Directory.Delete(root, recursive: true); // nothing immutable is left in the root: the container's own tools work

        gc = await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.Equal(0, gc.StoreFilesStillLinked);
        Assert.False(File.Exists(storeFile)); // released: now freed
    }

    [Fact]
    public async Task Guest_remove_delete_root_leaves_nothing_behind_orphans_included()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        await OrphanInGuest(host, other: false);
        var storeFile = new ContentStore(host.Paths).PathFor(Sha("tool 1\n"), "0644");

        var root = host.GuestRoot("g");
        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("g", GuestRemovalMode.DeleteRoot, CancellationToken.None);
        Assert.Equal(["/usr/bin/tool"], report.OrphansReleased);
        Assert.False(Directory.Exists(root));
        Assert.Null(host.Guests.Find("g"));
        AssertStoreIntact(host);

        var gc = await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.Equal(0, gc.StoreFilesStillLinked);
        Assert.False(File.Exists(storeFile));
    }

    [Fact]
    public async Task Guest_remove_delete_root_deletes_planted_things_without_following_them_and_keeps_other_guests_and_the_host_intact()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store, mknod)");
        using var host = new HostFixture(immutable: true);
        await OrphanInGuest(host, other: true);
        var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
        var victimBefore = HostSnapshot.Take(victim);
        var otherBefore = TreeHashes(host.GuestRoot("other"));
        var root = host.GuestRoot("g");

        // What a hostile guest can plant: FIFOs, a socket, a device node, symlinks out of the root and to /, a loop,
        // a symlinked directory, a deep tree, a name that is not UTF-8, and a config path turned into a FIFO.
        Assert.Equal(0, Mkfifo(Path.Combine(root, "usr/bin/fifo"), 0x1B6));
        Assert.Equal(0, Mknod(Path.Combine(root, "sock"), 0xC000 | 0x1B6, 0)); // a socket (a bound .NET socket unlinks its file when disposed)
        Assert.True(Native.LStat(Path.Combine(root, "sock")) is { Mode: >= 0xC000 and < 0xD000 });
        Assert.Equal(0, Mknod(Path.Combine(root, "null"), 0x2000 | 0x1B6, (1UL << 8) | 3)); // a /dev/null character device
        File.CreateSymbolicLink(Path.Combine(root, "victim"), victim);
        File.CreateSymbolicLink(Path.Combine(root, "usr/bin/victim-secret"), Path.Combine(victim, "secret"));
        File.CreateSymbolicLink(Path.Combine(root, "slash"), "/");
        File.CreateSymbolicLink(Path.Combine(root, "loop-a"), "loop-b");
        File.CreateSymbolicLink(Path.Combine(root, "loop-b"), "loop-a");
        var deep = root;
        for (int i = 0; i < 100; i++) deep = Path.Combine(deep, "d");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "leaf"), "deep\n");
        int fd = Creat(Encoding.UTF8.GetBytes(root + "/bad-").Concat(new byte[] { 0xFF, 0xFE, 0 }).ToArray(), 0x1A4);
        Assert.True(fd >= 0, "created a file with a name that is not UTF-8");
        Assert.Equal(0, Close(fd));

        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("g", GuestRemovalMode.DeleteRoot, CancellationToken.None);
        Assert.Equal(["/usr/bin/tool"], report.OrphansReleased);
        Assert.False(Directory.Exists(root));
        Assert.Equal(victimBefore, HostSnapshot.Take(victim));
        Assert.Equal(otherBefore, TreeHashes(host.GuestRoot("other")));
        Assert.Empty(host.Maintenance.Verify(["other"]));
        Assert.True(File.Exists("/etc/hostname") || Directory.Exists("/etc"), "the host's / is still there");
        AssertStoreIntact(host);
    }

    [Fact]
    public async Task A_mount_inside_the_root_stops_guest_remove_delete_root_with_a_guest_error_and_is_not_entered()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (mount)");
        using var host = new HostFixture(immutable: true);
        var tool = host.Build("tool", "1.0.0", Files);
        host.AddGuest("g");
        await host.ApplyAsync("g", tool);
        var mountPoint = Path.Combine(host.GuestRoot("g"), "proc");
        Directory.CreateDirectory(mountPoint);
        Assert.True(Mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m") == 0, $"mount -t tmpfs failed: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            File.WriteAllText(Path.Combine(mountPoint, "kept"), "on another filesystem\n");
            var removal = new GuestRemoval(host.Paths, host.Database, host.Installer);
            var error = await Assert.ThrowsAsync<GuestException>(() => removal.RemoveAsync("g", GuestRemovalMode.DeleteRoot, CancellationToken.None));
            Assert.Contains("'/proc' is a mount point", error.Message);
            Assert.Equal("on another filesystem\n", File.ReadAllText(Path.Combine(mountPoint, "kept")));
            Assert.NotNull(host.Guests.Find("g")); // still registered: unmount, then run it again
        }
        finally
        {
            Assert.Equal(0, Umount2(mountPoint, 2 /* MNT_DETACH */));
        }
        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("g", GuestRemovalMode.DeleteRoot, CancellationToken.None);
        Assert.False(Directory.Exists(host.GuestRoot("g")));
        Assert.Empty(report.OrphansReleased);
    }

    [Fact]
    public async Task A_store_file_the_guest_hard_linked_elsewhere_is_an_orphan_verify_reports_and_repair_releases()
    {
        // Without immutable flags a guest can link a shared store inode under another name; with them it cannot.
        using (var immutable = new HostFixture(immutable: true))
        {
            Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
            immutable.AddGuest("g");
            await immutable.ApplyAsync("g", immutable.Build("tool", "1.0.0", Files));
            var refused = Assert.ThrowsAny<Exception>(() => Native.Link(Path.Combine(immutable.GuestRoot("g"), "usr/bin/tool"), Path.Combine(immutable.GuestRoot("g"), "mine")));
            Assert.False(File.Exists(Path.Combine(immutable.GuestRoot("g"), "mine")), refused.Message);
        }
        using var host = new HostFixture();
        var tool = host.Build("tool", "1.0.0", Files);
        host.AddGuest("g");
        await host.ApplyAsync("g", tool);
        var root = host.GuestRoot("g");
        Directory.CreateDirectory(Path.Combine(root, "root"));
        Native.Link(Path.Combine(root, "usr/bin/tool"), Path.Combine(root, "root/mine"));
        Assert.Empty(host.Maintenance.Verify(["g"])); // the same inode as an owned path: not an orphan while tool is installed

        await host.ApplyAsync("g"); // remove tool: its path goes, the guest's own name stays
        var drift = Assert.Single(host.Maintenance.Verify(["g"]));
        Assert.Equal(("/root/mine", DriftKind.Orphan), (drift.Path, drift.Kind));
        Assert.Equal(["/root/mine"], await host.Maintenance.RepairAsync("g", CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(root, "root/mine")));
        Assert.True(File.Exists(new ContentStore(host.Paths).PathFor(Sha("tool 1\n"), "0644")));
        Assert.Empty(host.Maintenance.Verify(["g"]));
    }

    private static List<string> TreeHashes(string root) => TreeSnapshot.Take(root);

    [DllImport("libc", EntryPoint = "mount", SetLastError = true)]
    private static extern int Mount(string source, string target, string type, ulong flags, string data);

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount2(string target, int flags);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(byte[] path, int mode);

    private static int Mkfifo(string path, int mode) => Mkfifo(Encoding.UTF8.GetBytes(path + "\0"), mode);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int Mknod(byte[] path, uint mode, ulong device);

    private static int Mknod(string path, uint mode, ulong device) => Mknod(Encoding.UTF8.GetBytes(path + "\0"), mode, device);

    [DllImport("libc", EntryPoint = "creat", SetLastError = true)]
    private static extern int Creat(byte[] path, int mode);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
