using System.Diagnostics;
using System.Security.Cryptography;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// A guest that swaps a symlink into a PARENT directory of a checked file while adopt runs (usr/lib/x, or usr/lib
/// itself, becomes a link to a host directory or to another directory of the guest) never makes the host create,
/// link or change anything outside the guest root, and never gets its bytes (or the host's) into the store: adopt
/// either finishes or stops with a Stork error, and the store holds only the published bytes.
/// </summary>
public sealed class AdoptionParentSwapTests : IDisposable
{
    private readonly HostFixture _host = new();

    public void Dispose()
    {
        CrashPoints.OnHit = null;
        _host.Dispose();
    }

    private const string Published = "published library bytes\n";
    private const string GuestBytes = "the guest's own bytes\n";
    private const string HostBytes = "a host file the guest must never reach\n";

    private string Outside => Path.Combine(_host.Root, "outside");

    private string ImageGuest(string name)
    {
        var root = _host.GuestRoot(name);
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/x"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        File.WriteAllText(Path.Combine(root, "usr/lib/x/libx.so"), Published);
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "Package: libx\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n\n");
        // The guest's decoy: the same layout under another directory of its own, with its own bytes.
        Directory.CreateDirectory(Path.Combine(root, "decoy/x"));
        File.WriteAllText(Path.Combine(root, "decoy/x/libx.so"), GuestBytes);
        _host.Guests.AddGuest(name, root, baseImage: GuestBases.Dpkg);
        // A host directory laid out like the guest's, which the guest's symlink points at.
        Directory.CreateDirectory(Path.Combine(Outside, "x"));
        File.WriteAllText(Path.Combine(Outside, "x/libx.so"), HostBytes);
        return root;
    }

    /// <summary>Replaces the guest directory <paramref name="parent"/> by a symlink to <paramref name="target"/> (the original is kept aside).</summary>
    private static void SwapIn(string root, string parent, string target)
    {
        var path = Path.Combine(root, parent);
        if (Native.LStat(path) is not { IsDirectory: true }) return; // already swapped
        Directory.Move(path, path + ".real");
        File.CreateSymbolicLink(path, target);
    }

    // Everything under the host directory, and the guests' parent directory, as (path, kind, inode, links, mode, mtime, bytes).
    private List<string> OutsideSnapshot()
    {
        var list = new List<string>();
        foreach (var dir in new[] { Outside, Path.GetDirectoryName(_host.GuestRoot("g"))! })
        {
            var entries = dir == Outside ? Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                : Directory.EnumerateFileSystemEntries(dir);
            foreach (var entry in entries.Append(dir).Order(StringComparer.Ordinal))
            {
                var st = Native.LStat(entry)!.Value;
                var bytes = st.IsRegularFile ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))) : "";
                var kind = st.IsDirectory ? "d" : st.IsRegularFile ? "f" : "l";
                // A guest root's own times and links change with its contents: only that it is still the same directory counts.
                list.Add(dir != Outside && entry != dir ? $"{entry} {kind} {st.Inode}" : $"{entry} {kind} {st.Inode} {st.LinkCount} {st.Mode} {st.ModifiedNanoseconds} {bytes}");
            }
        }
        return list;
    }

    private void AssertUnchanged(List<string> before)
    {
        var after = OutsideSnapshot();
        Assert.True(before.SequenceEqual(after), $"outside the guest root, before:\n  {string.Join("\n  ", before.Except(after))}\nafter:\n  {string.Join("\n  ", after.Except(before))}");
    }

    private void AssertStoreHoldsOnlyPublishedBytes()
    {
        foreach (var file in Directory.GetFiles(_host.Paths.FilesDir, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("the guest's own bytes", text);
            Assert.DoesNotContain("must never reach", text);
        }
        Assert.Contains(Directory.GetFiles(_host.Paths.FilesDir, "*", SearchOption.AllDirectories), f => File.ReadAllText(f) == Published);
    }

    private async Task<Exception?> AdoptAsync(DesiredPackage libx)
    {
        try
        {
            var report = await _host.Installer.AdoptAsync("g", [libx], new Dictionary<string, string> { ["libx"] = "1.0-1" }, _host.Blobs, CancellationToken.None);
            Assert.Empty(report.NotAdopted.Keys.Except(["libx"]));
            return null;
        }
        catch (StorkException e)
        {
            return e; // refusing is fine; what matters is what was (not) touched
        }
    }

    [Theory]
    [InlineData("usr/lib/x", "outside", 1)]
    [InlineData("usr/lib/x", "outside", 2)]
    [InlineData("usr/lib/x", "outside", 3)]
    [InlineData("usr/lib/x", "decoy", 1)]
    [InlineData("usr/lib/x", "decoy", 2)]
    [InlineData("usr/lib/x", "decoy", 3)]
    [InlineData("usr/lib", "outside", 1)]
    [InlineData("usr/lib", "decoy", 2)]
    public async Task A_parent_swapped_for_a_symlink_at_a_crash_point_touches_nothing_outside_and_no_foreign_bytes_enter_the_store(string parent, string to, int atHit)
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        var libx = _host.Build("libx", "1.0.0", new Dictionary<string, string> { ["usr/lib/x/libx.so"] = Published });
        var root = ImageGuest("g");
        // usr/lib/x -> /HOST/outside/x or ../../decoy/x; usr/lib -> /HOST/outside or ../decoy (x/libx.so below each).
        var target = to == "outside"
            ? (parent == "usr/lib" ? Outside : Path.Combine(Outside, "x"))
            : (parent == "usr/lib" ? "../decoy" : "../../decoy/x");
        var before = OutsideSnapshot();
        int hits = 0;
        CrashPoints.OnHit = () => { if (++hits == atHit) SwapIn(root, parent, target); };
        var error = await AdoptAsync(libx);
        CrashPoints.OnHit = null;
        Assert.True(hits >= atHit, $"adopt passed only {hits} crash point(s); the swap at point {atHit} never happened (error: {error?.Message})");

        AssertUnchanged(before);
        AssertStoreHoldsOnlyPublishedBytes();
        // Inside the guest, a path its symlink redirected may get the store's file; it never gets anything but published bytes.
        Assert.Contains(File.ReadAllText(Path.Combine(root, "decoy/x/libx.so")), new[] { GuestBytes, Published });
    }

    [RootFact]
    public async Task A_helper_process_in_the_guest_swapping_parents_all_along_touches_nothing_outside()
    {
        var libx = _host.Build("libx", "1.0.0", new Dictionary<string, string> { ["usr/lib/x/libx.so"] = Published });
        var root = ImageGuest("g");
        var before = OutsideSnapshot();
        // The guest's own process: swaps usr/lib/x for a link to the host directory and back, as fast as it can.
        var script = $"cd '{root}/usr/lib' || exit 1; while :; do mv -T x x.real && ln -s '{Outside}/x' x && rm x && mv -T x.real x; done";
        using var racer = Process.Start(new ProcessStartInfo("sh", ["-c", script]) { RedirectStandardError = true })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            int swaps = 0;
            while (swaps < 3 && DateTime.UtcNow < deadline)
            {
                if (Native.LStat(Path.Combine(root, "usr/lib/x")) is { IsSymlink: true }) swaps++;
                await Task.Delay(1);
            }
            Assert.True(swaps >= 3, "the racing process never swapped usr/lib/x");
            for (int i = 0; i < 5; i++) await AdoptAsync(libx);
        }
        finally
        {
            racer.Kill(entireProcessTree: true);
            await racer.WaitForExitAsync();
        }
        AssertUnchanged(before);
        AssertStoreHoldsOnlyPublishedBytes();
    }
}
