using Stork.Client.Guests;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>guest remove with and without --delete-files, with --delete-root, then gc; a guest whose root vanished.</summary>
public sealed class GuestRemovalTests
{
    private static (DesiredPackage Shared, DesiredPackage Own) Packages(HostFixture host) =>
        (host.Build("p", "1.0.0", new Dictionary<string, string> { ["usr/lib/p/shared.so"] = "shared\n", ["etc/p.conf"] = "p=1\n" }, config: ["etc/p.conf"]),
         host.Build("q", "1.0.0", new Dictionary<string, string> { ["usr/lib/q/only-a.so"] = "only in a\n" }));

    private static string Sha(string content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));

    /// <summary>Guest a gets p (shared, with its config edited by the admin) and q (only a's); guest b gets p. Returns a's root.</summary>
    private static async Task<string> GuestsAAndB(HostFixture host)
    {
        var (shared, own) = Packages(host);
        host.AddGuest("a");
        host.AddGuest("b");
        foreach (var p in new[] { shared, own }) host.CacheBlob(p);
        await host.ApplyAsync("a", shared, own);
        await host.ApplyAsync("b", shared);
        var a = host.GuestRoot("a");
        File.WriteAllText(Path.Combine(a, "etc/p.conf"), "edited by the admin\n");
        return a;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RemovedGuestStopsPinningStoreContentAndOtherGuestsStayClean(bool deleteFiles)
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var a = await GuestsAAndB(host);
        var store = new ContentStore(host.Paths);
        var sharedStore = store.PathFor(Sha("shared\n"), "0644");
        var onlyA = store.PathFor(Sha("only in a\n"), "0644");

        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("a", deleteFiles, CancellationToken.None);
        Assert.Null(host.Guests.Find("a"));
        if (deleteFiles)
        {
            Assert.Equal(["/etc/p.conf"], report.KeptConfigs);
            Assert.Null(Native.LStat(Path.Combine(a, "usr/lib/p/shared.so")));
            Assert.Null(Native.LStat(Path.Combine(a, "usr/lib/q/only-a.so")));
            Assert.Equal("edited by the admin\n", File.ReadAllText(Path.Combine(a, "etc/p.conf")));
            Assert.Empty(report.OrphansReleased);
            Directory.Delete(a, recursive: true); // nothing immutable is left: machinectl remove / lxc-destroy work
        }
        else
        {
            Assert.Equal(2, report.FilesDetached);
            foreach (var (path, content) in new[] { ("usr/lib/p/shared.so", "shared\n"), ("usr/lib/q/only-a.so", "only in a\n") })
            {
                var status = Native.LStat(Path.Combine(a, path))!.Value;
                Assert.Equal(1u, status.LinkCount);      // a private copy, no longer a store inode
                Assert.False(status.IsImmutable);        // so the container can be deleted normally
                Assert.Equal(content, File.ReadAllText(Path.Combine(a, path)));
            }
            Directory.Delete(a, recursive: true); // as machinectl remove / lxc-destroy would
        }

        var freed = await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.False(File.Exists(onlyA));           // only the removed guest used it
        Assert.True(File.Exists(sharedStore));      // guest b still does
        Assert.True(NativeFs.IsImmutable(sharedStore));
        Assert.True(freed.StoreFilesRemoved >= 1);
        Assert.Empty(host.Maintenance.Verify(["b"]));
        Assert.Equal("shared\n", File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/lib/p/shared.so")));
    }

    [Fact]
    public async Task DeleteRootRemovesThePackagesThenTheWholeRootAndOtherGuestsStayClean()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var a = await GuestsAAndB(host);
        File.WriteAllText(Path.Combine(a, "guest-data"), "the guest's own file\n");

        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("a", GuestRemovalMode.DeleteRoot, CancellationToken.None);
        Assert.Null(host.Guests.Find("a"));
        Assert.False(Directory.Exists(a)); // packages removed, then the whole root (edited config and the guest's files too)
        Assert.Empty(report.OrphansReleased);
        Assert.True(report.EntriesDeleted > 0);
        Assert.True(NativeFs.IsImmutable(new ContentStore(host.Paths).PathFor(Sha("shared\n"), "0644")));
        Assert.Empty(host.Maintenance.Verify(["b"]));
        Assert.Equal("shared\n", File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/lib/p/shared.so")));
    }

    [Fact]
    public async Task AGuestWhoseRootVanishedIsReportedOnceAndCanBeUnregistered()
    {
        using var host = new HostFixture();
        var (shared, _) = Packages(host);
        host.AddGuest("gone", Stork.Client.Model.LinkMode.Copy);
        host.AddGuest("b");
        await host.ApplyAsync("gone", shared);
        await host.ApplyAsync("b", shared);
        Directory.Delete(host.GuestRoot("gone"), recursive: true);

        var drift = host.Maintenance.Verify(["gone", "b"]);
        var only = Assert.Single(drift);
        Assert.Equal("gone", only.Guest);
        Assert.Contains("missing", only.Problem);
        Assert.Equal(DriftKind.RootMissing, only.Kind);
        await Assert.ThrowsAsync<GuestRootMissingException>(() => host.ApplyAsync("gone"));
        Assert.Empty(host.Installer.RecoverAll());

        var report = await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("gone", deleteFiles: true, CancellationToken.None);
        Assert.True(report.RootWasMissing);
        Assert.Null(host.Guests.Find("gone"));
        Assert.Empty(host.Maintenance.Verify(["b"]));
    }
}
