using Stork.Client.Guests;
using Stork.Client.Store;

namespace Stork.Client.Tests;

/// <summary>Blobs extracted into the store while others still download (BlobPrefetch) before any guest changes.</summary>
public class IngestAheadTests
{
    [Fact]
    public async Task ContentEntersTheStoreWithoutTouchingAnyGuestAndTheInstallNeedsNoBlob()
    {
        using var host = new HostFixture();
        var app = host.Build("app", "1.0.0", new Dictionary<string, string>
        {
            ["usr/bin/app"] = "#!/bin/sh\necho 1\n",
            ["usr/share/app/data.txt"] = "data\n",
        }, executables: ["usr/bin/app"]);
        host.AddGuest("a");
        host.CacheBlob(app);
        Assert.False(host.Installer.IsInStore(app));

        host.Installer.IngestAhead(app, Path.Combine(host.Paths.BlobsDir, "sha256", app.BlobSha256));

        Assert.True(host.Installer.IsInStore(app));
        var store = new ContentStore(host.Paths);
        var manifest = host.Database.LoadManifest(app.BlobSha256)!;
        Assert.All(manifest.Files.Where(f => f.IsFile && f.Size > 0), f => Assert.True(store.Contains(f)));
        Assert.Empty(Directory.Exists(host.GuestRoot("a")) ? Directory.EnumerateFileSystemEntries(host.GuestRoot("a")) : []);

        var report = await host.ApplyAsync("a", app);
        Assert.Empty(host.Blobs.Requested);          // the guest was served from the store alone
        Assert.Equal(2, report.StoreFilesAdded);     // what was extracted ahead is reported with the install
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(host.GuestRoot("a"), "usr/share/app/data.txt")));
    }

    [Fact]
    public void ABlobThatIsNotThePackageItClaimsIsRefusedAndTheStoreKeepsNothing()
    {
        using var host = new HostFixture();
        var app = host.Build("app", "1.0.0", new Dictionary<string, string> { ["usr/bin/app"] = "one\n" });
        var other = host.Build("other", "1.0.0", new Dictionary<string, string> { ["usr/bin/other"] = "two\n" });
        host.CacheBlob(other);

        var error = Assert.ThrowsAny<Exception>(() => host.Installer.IngestAhead(app, Path.Combine(host.Paths.BlobsDir, "sha256", other.BlobSha256)));
        Assert.Contains("expected app 1.0.0", error.Message);
        Assert.False(host.Installer.IsInStore(app));
        Assert.Empty(Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories));
    }
}
