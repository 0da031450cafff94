using Stork.Client.Guests;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// GuestRoot.CacheDirectories: a read-only pass (adopt's check, the planner) resolves each directory once. Nothing can
/// change the guest through a cached pass, and after it every lookup resolves afresh: a directory the guest swapped
/// after the pass is never acted on through the descriptor cached before the swap.
/// </summary>
public sealed class DirectoryCacheTests : IDisposable
{
    private readonly HostFixture _host = new();

    public void Dispose()
    {
        CrashPoints.OnHit = null;
        _host.Dispose();
    }

    private const string Published = "published library bytes\n";

    [RootFact]
    public void A_cached_pass_refuses_every_change_and_ends_with_its_scope()
    {
        var dir = _host.GuestRoot("cached");
        Directory.CreateDirectory(Path.Combine(dir, "usr/lib/x"));
        File.WriteAllText(Path.Combine(dir, "usr/lib/x/f"), "f\n");
        using var root = GuestRoot.Open("cached", dir);
        using (root.CacheDirectories())
        {
            Assert.True(root.CachingDirectories);
            Assert.NotNull(root.LStat("usr/lib/x/f"));
            Assert.Throws<InvalidOperationException>(() => root.CreateDirectory("usr/lib/y", 0x1ED /* 0755 */));
            Assert.Throws<InvalidOperationException>(() => root.TryUnlink("usr/lib/x/f"));
            Assert.Throws<InvalidOperationException>(() => root.TryRename("usr/lib/x/f", "usr/lib/x/g"));
            Assert.Throws<InvalidOperationException>(() => root.CreateSymlink("f", "usr/lib/x/l"));
            Assert.Throws<InvalidOperationException>(() => root.WriteFile("usr/lib/x/w", "w"u8, 0x1A4 /* 0644 */));
            using (root.CacheDirectories()) Assert.NotNull(root.LStat("usr/lib/x/f")); // nested: the outer scope keeps its cache
            Assert.True(root.CachingDirectories);
        }
        Assert.False(root.CachingDirectories);
        Assert.True(File.Exists(Path.Combine(dir, "usr/lib/x/f")), "nothing changed during the pass");
        root.CreateDirectory("usr/lib/y", 0x1ED /* 0755 */);
        Assert.True(Directory.Exists(Path.Combine(dir, "usr/lib/y")));
    }

    [RootFact]
    public void A_directory_swapped_for_a_symlink_after_the_pass_is_resolved_afresh_inside_the_root()
    {
        var dir = _host.GuestRoot("swapped");
        Directory.CreateDirectory(Path.Combine(dir, "usr/lib/x"));
        Directory.CreateDirectory(Path.Combine(dir, "etc"));
        File.WriteAllText(Path.Combine(dir, "usr/lib/x/f"), "f\n");
        using var root = GuestRoot.Open("swapped", dir);
        using (root.CacheDirectories())
        {
            Assert.NotNull(root.LStat("usr/lib/x/f"));
            Directory.Move(Path.Combine(dir, "usr/lib/x"), Path.Combine(dir, "usr/lib/moved"));
            File.CreateSymbolicLink(Path.Combine(dir, "usr/lib/x"), "/etc");
            // Within the pass the directory is the one first resolved (moved, still inside the root).
            Assert.NotNull(root.LStat("usr/lib/x/f"));
        }
        Assert.Null(root.LStat("usr/lib/x/f")); // afresh: /usr/lib/x is /etc inside the guest now, which has no f
        Assert.Equal(root.CanonicalKey("etc/f"), root.CanonicalKey("usr/lib/x/f"));
        root.CreateEmpty("usr/lib/x/new", 0x1A4 /* 0644 */);
        Assert.True(File.Exists(Path.Combine(dir, "etc/new")), "created through the guest's symlink, inside the root");
        Assert.False(File.Exists(Path.Combine(dir, "usr/lib/moved/new")), "never through the descriptor cached before the swap");
    }

    [RootFact]
    public async Task A_directory_swapped_between_adopts_check_and_its_link_is_met_afresh()
    {
        var libx = _host.Build("libx", "1.0.0", new Dictionary<string, string> { ["usr/lib/x/libx.so"] = Published });
        var root = _host.GuestRoot("racer");
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/x"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        File.WriteAllText(Path.Combine(root, "usr/lib/x/libx.so"), Published);
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "Package: libx\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n\n");
        _host.Guests.AddGuest("racer", root, baseImage: GuestBases.Dpkg);

        var lib = Path.Combine(root, "usr/lib/x");
        bool raced = false;
        CrashPoints.OnHit = () =>
        {
            if (raced) return;
            raced = true; // after the check and the plan (both cached passes), before anything is staged
            Directory.Move(lib, lib + ".old");
            Directory.CreateDirectory(lib);
            File.WriteAllText(Path.Combine(lib, "libx.so"), "the guest's own bytes\n");
        };
        var report = await _host.Installer.AdoptAsync("racer", [libx], new Dictionary<string, string> { ["libx"] = "1.0-1" }, _host.Blobs, CancellationToken.None);
        CrashPoints.OnHit = null;
        Assert.True(raced, "the race hook never ran");
        Assert.Equal(["libx 1.0-1"], report.Adopted);

        var storeFiles = Directory.GetFiles(_host.Paths.FilesDir, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(storeFiles, f => File.ReadAllText(f).Contains("the guest's own bytes"));
        var stored = Assert.Single(storeFiles, f => File.ReadAllText(f) == Published);
        // The path as it is now (the guest's new directory) holds the store's file ...
        Assert.True(Native.LStat(Path.Combine(lib, "libx.so"))!.Value.IsSameFileAs(Native.LStat(stored)!.Value), "the path must be the store's file");
        // ... and the directory moved away (the one the check saw) was not touched.
        var old = Path.Combine(lib + ".old", "libx.so");
        Assert.Equal(Published, File.ReadAllText(old));
        Assert.False(Native.LStat(old)!.Value.IsSameFileAs(Native.LStat(stored)!.Value), "the moved directory must keep the image's own file");
        Assert.Equal(["libx.so"], Directory.GetFiles(lib + ".old").Select(Path.GetFileName));
    }
}
