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

        using (var batch = host.Installer.BeginAhead())
        {
            batch.Extract(app, Path.Combine(host.Paths.BlobsDir, "sha256", app.BlobSha256));
            Assert.False(host.Installer.IsInStore(app)); // extracted, not committed: no final names yet
            batch.Commit();
        }

        Assert.True(host.Installer.IsInStore(app));
        var store = new ContentStore(host.Paths);
        var manifest = host.Database.Manifests.Load(app.BlobSha256)!;
        Assert.All(manifest.Files.Where(f => f.IsFile && f.Size > 0), f => Assert.True(store.Contains(f)));
        Assert.Empty(Directory.Exists(host.GuestRoot("a")) ? Directory.EnumerateFileSystemEntries(host.GuestRoot("a")) : []);

        var report = await host.ApplyAsync("a", app);
        Assert.Empty(host.Blobs.Requested);          // the guest was served from the store alone
        Assert.Equal(2, report.StoreFilesAdded);     // what was extracted ahead is reported with the install
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(host.GuestRoot("a"), "usr/share/app/data.txt")));
    }

    [Fact]
    public void TwoBlobsWithTheSameFileCommitItOnceAndAnUncommittedBatchLeavesNoTemporaries()
    {
        using var host = new HostFixture();
        var a = host.Build("a", "1.0.0", new Dictionary<string, string> { ["usr/share/a/same.txt"] = "shared\n", ["usr/bin/a"] = "a\n" });
        var b = host.Build("b", "1.0.0", new Dictionary<string, string> { ["usr/share/b/same.txt"] = "shared\n" });
        host.CacheBlob(a);
        host.CacheBlob(b);
        string Blob(DesiredPackage p) => Path.Combine(host.Paths.BlobsDir, "sha256", p.BlobSha256);
        string TempDir() => Path.Combine(host.Paths.FilesDir, "tmp");

        using (var abandoned = host.Installer.BeginAhead())
        {
            abandoned.Extract(a, Blob(a));
            Assert.NotEmpty(Directory.EnumerateFiles(TempDir()));
        }
        Assert.Empty(Directory.EnumerateFiles(TempDir()));
        Assert.False(host.Installer.IsInStore(a));

        using (var batch = host.Installer.BeginAhead())
        {
            batch.Extract(a, Blob(a));
            batch.Extract(b, Blob(b));
            batch.Commit();
        }
        Assert.True(host.Installer.IsInStore(a) && host.Installer.IsInStore(b));
        var stored = Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(TempDir())).ToList();
        Assert.Equal(2, stored.Count); // "shared\n" once, "a\n" once
        Assert.Empty(Directory.EnumerateFiles(TempDir()));
    }

    [Fact]
    public void AFileWhoseContentDoesNotMatchItsManifestStopsTheBatchAndLeavesNothingBehind()
    {
        using var host = new HostFixture();
        var app = host.Build("app", "1.0.0", new Dictionary<string, string> { ["usr/share/app/first.txt"] = "fine-content\n", ["usr/share/app/second.txt"] = "payload-12345\n" });
        host.AddGuest("a");
        // Same archive, one byte of the second file's content changed: signed hashes would catch it at download;
        // here the blob claims to be verified, so the reader's per-file hash check is what must stop it.
        var tar = new ZstdSharp.Decompressor().Unwrap(File.ReadAllBytes(Path.Combine(host.Root, "out", "app_1.0.0.stork"))).ToArray();
        int at = tar.AsSpan().IndexOf("payload-12345"u8);
        Assert.True(at > 0);
        tar[at] = (byte)'P';
        var hostile = Path.Combine(host.Root, "hostile.stork");
        File.WriteAllBytes(hostile, new ZstdSharp.Compressor(3).Wrap(tar).ToArray());

        using (var batch = host.Installer.BeginAhead())
        {
            var error = Assert.ThrowsAny<Exception>(() => batch.Extract(app, hostile));
            Assert.Contains("second.txt", error.Message);
        }
        Assert.Empty(Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories)); // no temporaries, no store files
        Assert.False(host.Installer.IsInStore(app));
        Assert.False(Directory.Exists(host.GuestRoot("a")) && Directory.EnumerateFileSystemEntries(host.GuestRoot("a")).Any());
    }

    [Fact]
    public void ABlobThatIsNotThePackageItClaimsIsRefusedAndTheStoreKeepsNothing()
    {
        using var host = new HostFixture();
        var app = host.Build("app", "1.0.0", new Dictionary<string, string> { ["usr/bin/app"] = "one\n" });
        var other = host.Build("other", "1.0.0", new Dictionary<string, string> { ["usr/bin/other"] = "two\n" });
        host.CacheBlob(other);

        using var batch = host.Installer.BeginAhead();
        var error = Assert.ThrowsAny<Exception>(() => batch.Extract(app, Path.Combine(host.Paths.BlobsDir, "sha256", other.BlobSha256)));
        Assert.Contains("expected app 1.0.0", error.Message);
        Assert.False(host.Installer.IsInStore(app));
        Assert.Empty(Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories));
    }
}
