using System.Runtime.InteropServices;
using System.Text;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// What a guest plants where Stork works: a FIFO, a socket, a device node, a symlink out of the guest or a symlink
/// loop at a config file's path or at a package file's path, and a directory swapped for a symlink to / in the
/// middle of a change. Each change ends in a clean success or one guest error, within a deadline (nothing is opened
/// that could block), and a victim directory outside the guest is unchanged.
/// </summary>
public sealed class PlantedFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static (DesiredPackage V1, DesiredPackage V2) Packages(HostFixture host)
    {
        var files1 = new Dictionary<string, string> { ["etc/x.conf"] = "x=1\n", ["usr/lib/x/a.so"] = "a one\n", ["usr/lib/x/b.so"] = "b one\n" };
        var files2 = files1.ToDictionary(f => f.Key, f => f.Value.Replace("one", "two").Replace("x=1", "x=2"));
        return (host.Build("x", "1.0.0", files1, config: ["etc/x.conf"]), host.Build("x", "2.0.0", files2, config: ["etc/x.conf"]));
    }

    /// <summary>Replaces whatever is at <paramref name="path"/> with a thing of <paramref name="kind"/>; returns its description.</summary>
    private static string Plant(string path, string kind, string victim)
    {
        if (Native.LStat(path) is { } existing)
        {
            Assert.False(existing.IsImmutable, "a guest cannot delete an immutable store inode");
            File.Delete(path);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (kind)
        {
            case "fifo": Assert.Equal(0, Mkfifo(Encoding.UTF8.GetBytes(path + "\0"), 0x1A4)); break;
            // mknod(S_IFSOCK): a bound .NET socket unlinks its file again when disposed.
            case "socket": Assert.Equal(0, Mknod(Encoding.UTF8.GetBytes(path + "\0"), 0xC000 | 0x1A4, 0)); break;
            case "device": Assert.Equal(0, Mknod(Encoding.UTF8.GetBytes(path + "\0"), 0x2000 | 0x1A4, (1UL << 8) | 3)); break;
            case "symlink-out": File.CreateSymbolicLink(path, Path.Combine(victim, "secret")); break;
            case "symlink-loop": File.CreateSymbolicLink(path, Path.GetFileName(path)); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return Describe(path);
    }

    private static string Describe(string path) => Native.LStat(path) is { } s ? $"mode={s.Mode:x} ino={s.Inode}" : "absent";

    /// <summary>A change that must end in success or one guest error, never hang nor fail otherwise. True on success.</summary>
    private static async Task<bool> SucceedsOrGuestError(Func<Task> change)
    {
        try
        {
            await change().WaitAsync(Limit);
            return true;
        }
        catch (StorkException e) when (e.Class == ErrorClass.Guest)
        {
            Assert.DoesNotContain('\n', e.Message);
            return false;
        }
    }

    public static TheoryData<string> Kinds => new() { "fifo", "socket", "device", "symlink-out", "symlink-loop" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_thing_planted_at_an_unowned_config_path_is_a_conflict_and_stays(string kind)
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (mknod)");
        using var host = new HostFixture(immutable: true);
        var (v1, _) = Packages(host);
        var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
        var before = HostSnapshot.Take(victim);
        host.AddGuest("g");
        var conf = Path.Combine(host.GuestRoot("g"), "etc/x.conf");
        var planted = Plant(conf, kind, victim);

        var error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", v1).WaitAsync(Limit));
        Assert.Contains("/etc/x.conf", error.Message);
        Assert.Equal(planted, Describe(conf));
        Assert.Equal(before, HostSnapshot.Take(victim));
        Assert.Empty(host.Database.Ownership.ListInstalled("g"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_thing_planted_at_an_installed_config_path_is_left_alone_by_remove(string kind)
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (mknod)");
        using var host = new HostFixture(immutable: true);
        var (v1, _) = Packages(host);
        var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
        var before = HostSnapshot.Take(victim);
        host.AddGuest("g");
        await host.ApplyAsync("g", v1);
        var conf = Path.Combine(host.GuestRoot("g"), "etc/x.conf");
        var planted = Plant(conf, kind, victim);

        var report = await host.ApplyAsync("g").WaitAsync(Limit); // remove x: its config path holds the guest's own thing now
        Assert.Equal(["x 1.0.0"], report.Removed);
        Assert.Equal(planted, Describe(conf));
        Assert.Null(Native.LStat(Path.Combine(host.GuestRoot("g"), "usr/lib/x/a.so")));
        Assert.Empty(host.Maintenance.Verify(["g"]));
        Assert.Equal(before, HostSnapshot.Take(victim));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_thing_planted_at_an_installed_file_path_is_replaced_by_an_upgrade_or_refused(string kind)
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (mknod)");
        using var host = new HostFixture(); // no immutable flags: the guest can replace a shared file's name
        var (v1, v2) = Packages(host);
        var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
        var before = HostSnapshot.Take(victim);
        host.AddGuest("g");
        await host.ApplyAsync("g", v1);
        var so = Path.Combine(host.GuestRoot("g"), "usr/lib/x/a.so");
        var planted = Plant(so, kind, victim);

        if (await SucceedsOrGuestError(() => host.ApplyAsync("g", v2)))
        {
            Assert.Equal("a two\n", File.ReadAllText(so));
            Assert.Empty(host.Maintenance.Verify(["g"]));
        }
        else
            Assert.Equal(planted, Describe(so)); // refused: the guest's thing is still there, nothing was changed
        Assert.Null(host.Database.Journal.Find("g"));
        Assert.Equal(before, HostSnapshot.Take(victim));
    }

    [Theory]
    [InlineData("openat2")]
    [InlineData("walk")]
    public async Task A_directory_swapped_for_a_symlink_to_slash_during_an_upgrade_never_reaches_the_host(string resolver)
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        GuestRoot.ForceWalk = resolver == "walk";
        try
        {
            using var host = new HostFixture(immutable: true);
            var unique = $"stork-planted-{Guid.NewGuid():N}";
            var v1 = host.Build("p", "1.0.0", new Dictionary<string, string> { [$"opt/{unique}/a.so"] = "a one\n", [$"opt/{unique}/sub/b"] = "b one\n" });
            var v2 = host.Build("p", "2.0.0", new Dictionary<string, string> { [$"opt/{unique}/a.so"] = "a two\n", [$"opt/{unique}/sub/b"] = "b two\n", [$"opt/{unique}/c"] = "c\n" });
            var victim = HostSnapshot.Create(Path.Combine(host.Root, "victim"));
            var before = HostSnapshot.Take(victim);
            host.AddGuest("g");
            await host.ApplyAsync("g", v1);
            var dir = Path.Combine(host.GuestRoot("g"), "opt", unique);
            var hostNames = new[] { "/a.so", "/c", "/sub", $"/opt/{unique}" };
            Assert.All(hostNames, n => Assert.Null(Native.LStat(n)));

            bool swapped = false;
            CrashPoints.OnHit = () =>
            {
                if (swapped) return;
                swapped = true;
                Directory.Move(dir, dir + ".moved");
                File.CreateSymbolicLink(dir, "/");
            };
            bool succeeded;
            try { succeeded = await SucceedsOrGuestError(() => host.ApplyAsync("g", v2)); }
            finally { CrashPoints.OnHit = null; }

            Assert.True(swapped);
            Assert.All(hostNames, n => Assert.Null(Native.LStat(n))); // inside the guest, "/" is the guest's root
            Assert.Equal(before, HostSnapshot.Take(victim));
            if (succeeded)
            {
                // Read inside the guest (on the host, the symlink would lead to the host's /).
                using var guest = GuestRoot.Open("g", host.GuestRoot("g"));
                Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a two\n"u8)), guest.Sha256($"opt/{unique}/a.so"));
            }
            else
            {
                // Refused: once the guest puts its directory back, recovery and the upgrade go through.
                File.Delete(dir);
                Directory.Move(dir + ".moved", dir);
                _ = host.Installer.RecoverAll(); // rolls a refused change back or forward
                await host.ApplyAsync("g", v2);
                Assert.Equal("a two\n", File.ReadAllText(Path.Combine(dir, "a.so")));
            }
            Assert.Null(host.Database.Journal.Find("g"));
        }
        finally
        {
            GuestRoot.ForceWalk = false;
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(byte[] path, int mode);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int Mknod(byte[] path, uint mode, ulong device);
}
