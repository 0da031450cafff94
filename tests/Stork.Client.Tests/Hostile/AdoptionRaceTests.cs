using Stork.Client.Guests;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// A guest that replaces a verified image file between adopt's check and its rename loses only its own change: the
/// path ends up as the store's file, made from the signed blob, and the guest's bytes never enter the store (so no
/// other guest can ever get them), while another guest that adopted earlier keeps the published bytes.
/// </summary>
public sealed class AdoptionRaceTests : IDisposable
{
    private readonly HostFixture _host = new();

    public void Dispose()
    {
        CrashPoints.OnHit = null;
        _host.Dispose();
    }

    private const string Published = "published library bytes\n";

    private void ImageGuest(string name)
    {
        var root = _host.GuestRoot(name);
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/x"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        File.WriteAllText(Path.Combine(root, "usr/lib/x/libx.so"), Published);
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "Package: libx\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n\n");
        _host.Guests.AddGuest(name, root, baseImage: GuestBases.Dpkg);
    }

    [RootFact]
    public async Task A_file_replaced_during_the_adoption_becomes_the_store_file_and_its_bytes_never_enter_the_store()
    {
        var libx = _host.Build("libx", "1.0.0", new Dictionary<string, string> { ["usr/lib/x/libx.so"] = Published });
        ImageGuest("first");
        ImageGuest("racer");
        var candidates = new Dictionary<string, string> { ["libx"] = "1.0-1" };
        var first = await _host.Installer.AdoptAsync("first", [libx], candidates, _host.Blobs, CancellationToken.None);
        Assert.Equal(["libx 1.0-1"], first.Adopted);

        var path = Path.Combine(_host.GuestRoot("racer"), "usr/lib/x/libx.so");
        bool raced = false;
        CrashPoints.OnHit = () =>
        {
            if (raced) return;
            raced = true; // the first crash point is after the check, before anything is staged
            File.WriteAllText(path + ".new", "the guest's own bytes\n");
            File.Move(path + ".new", path, overwrite: true);
        };
        var report = await _host.Installer.AdoptAsync("racer", [libx], candidates, _host.Blobs, CancellationToken.None);
        CrashPoints.OnHit = null;
        Assert.True(raced, "the race hook never ran");
        Assert.Equal(["libx 1.0-1"], report.Adopted);

        var storeFiles = Directory.GetFiles(_host.Paths.FilesDir, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(storeFiles, f => File.ReadAllText(f).Contains("the guest's own bytes"));
        var stored = Assert.Single(storeFiles, f => File.ReadAllText(f) == Published);
        Assert.Equal(Published, File.ReadAllText(path));
        Assert.True(Native.LStat(path)!.Value.IsSameFileAs(Native.LStat(stored)!.Value), "the racer's path must be the store's file");
        var firstPath = Path.Combine(_host.GuestRoot("first"), "usr/lib/x/libx.so");
        Assert.Equal(Published, File.ReadAllText(firstPath));
        Assert.True(Native.LStat(firstPath)!.Value.IsSameFileAs(Native.LStat(stored)!.Value));
    }
}
