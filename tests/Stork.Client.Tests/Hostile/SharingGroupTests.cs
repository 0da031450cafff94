using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// Sharing groups (guest add --share-group): guests share store inodes only within their group; a changed shared
/// inode is drift in every guest that links it, verify names them all and repair restores each; gc frees a group's
/// copies once its last guest is gone. Inode numbers are compared, not just contents.
/// </summary>
public sealed class SharingGroupTests
{
    private static readonly Dictionary<string, string> Files = new()
    {
        ["usr/lib/p/one.so"] = "shared file one\n",
        ["usr/lib/p/two.so"] = "shared file two\n",
    };

    private static string Sha(string content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));

    private static FileStatus Stat(HostFixture host, string guest, string path) =>
        Native.LStat(Path.Combine(host.GuestRoot(guest), path)) ?? throw new Xunit.Sdk.XunitException($"{guest}:/{path} is missing");

    [Fact]
    public async Task GuestsShareInodesOnlyWithinTheirGroup()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var package = host.Build("p", "1.0.0", Files);
        host.AddGuest("d1");
        host.AddGuest("d2");
        host.AddGuest("t1a", shareGroup: "tenant1");
        host.AddGuest("t1b", shareGroup: "tenant1");
        host.AddGuest("t2", shareGroup: "tenant2");
        Assert.Equal("tenant1", host.Guests.Get("t1a").ShareGroup);
        Assert.Equal(ShareGroups.Default, host.Guests.Get("d1").ShareGroup);
        foreach (var g in new[] { "d1", "t1a", "t2", "d2", "t1b" }) await host.ApplyAsync(g, package);

        foreach (var (path, content) in Files)
        {
            var defaultStore = Native.LStat(new ContentStore(host.Paths).PathFor(Sha(content), "0644"))!.Value;
            var tenant1Store = Native.LStat(new ContentStore(host.Paths, "tenant1").PathFor(Sha(content), "0644"))!.Value;
            var tenant2Store = Native.LStat(new ContentStore(host.Paths, "tenant2").PathFor(Sha(content), "0644"))!.Value;
            Assert.True(Stat(host, "d1", path).IsSameFileAs(defaultStore));
            Assert.True(Stat(host, "d2", path).IsSameFileAs(defaultStore));
            Assert.True(Stat(host, "t1a", path).IsSameFileAs(tenant1Store));
            Assert.True(Stat(host, "t1b", path).IsSameFileAs(tenant1Store));
            Assert.True(Stat(host, "t2", path).IsSameFileAs(tenant2Store));
            Assert.False(tenant1Store.IsSameFileAs(defaultStore));
            Assert.False(tenant2Store.IsSameFileAs(defaultStore));
            Assert.False(tenant1Store.IsSameFileAs(tenant2Store));
            foreach (var s in new[] { defaultStore, tenant1Store, tenant2Store })
                Assert.True(s.IsImmutable, "every group's store files are immutable");
            // The store name plus one link per guest of the group, and no more.
            Assert.Equal(3u, defaultStore.LinkCount);
            Assert.Equal(3u, tenant1Store.LinkCount);
            Assert.Equal(2u, tenant2Store.LinkCount);
            Assert.Equal(content, File.ReadAllText(new ContentStore(host.Paths, "tenant2").PathFor(Sha(content), "0644")));
        }
        Assert.Empty(host.Maintenance.Verify(["d1", "d2", "t1a", "t1b", "t2"]));
        Assert.Throws<InvalidGuestException>(() => host.AddGuest("bad", shareGroup: "../up"));
        Assert.Throws<InvalidGuestException>(() => host.AddGuest("bad2", shareGroup: ""));
    }

    [Fact]
    public async Task VerifyNamesEveryGuestHoldingAChangedInodeAndRepairRestoresEachOfThem()
    {
        // No immutable flag: this is the guest that holds CAP_LINUX_IMMUTABLE, which can change any inode it shares.
        Assert.True(Environment.IsPrivilegedProcess, "needs root");
        using var host = new HostFixture();
        var package = host.Build("p", "1.0.0", Files);
        host.CacheBlob(package);
        foreach (var g in new[] { "a", "b", "c" }) host.AddGuest(g, shareGroup: "tenant1");
        host.AddGuest("other");
        foreach (var g in new[] { "a", "b", "c", "other" }) await host.ApplyAsync(g, package);

        // Guest a writes into its shared file in place (same size): b and c link the same inode.
        using (var stream = new FileStream(Path.Combine(host.GuestRoot("a"), "usr/lib/p/one.so"), FileMode.Open, FileAccess.Write))
            stream.Write("SHARED"u8);
        Assert.Equal("SHARED file one\n", File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/lib/p/one.so")));

        var drift = host.Maintenance.Verify(["a"]);
        Assert.Equal(["a", "b", "c"], drift.Select(d => d.Guest).Order(StringComparer.Ordinal).ToArray());
        Assert.All(drift, d => Assert.Equal("/usr/lib/p/one.so", d.Path));
        Assert.All(drift, d => Assert.StartsWith("content differs", d.Problem));
        Assert.All(drift, d => Assert.Equal(DriftKind.Content, d.Kind));
        Assert.Contains(drift, d => d.Guest == "b" && d.Problem.Contains("the same inode as a:/usr/lib/p/one.so"));
        Assert.Equal("shared file one\n", File.ReadAllText(Path.Combine(host.GuestRoot("other"), "usr/lib/p/one.so"))); // another group: untouched
        var damaged = Stat(host, "b", "usr/lib/p/one.so");

        foreach (var g in drift.Select(d => d.Guest).Distinct())
            Assert.Equal(["/usr/lib/p/one.so"], await host.Maintenance.RepairAsync(g, CancellationToken.None));
        Assert.Empty(host.Maintenance.Verify(["a", "b", "c", "other"]));
        var tenant1Store = Native.LStat(new ContentStore(host.Paths, "tenant1").PathFor(Sha(Files["usr/lib/p/one.so"]), "0644"))!.Value;
        Assert.False(tenant1Store.IsSameFileAs(damaged), "the damaged inode left the store (moved aside, a fresh copy extracted)");
        foreach (var g in new[] { "a", "b", "c" })
        {
            Assert.True(Stat(host, g, "usr/lib/p/one.so").IsSameFileAs(tenant1Store));
            Assert.Equal("shared file one\n", File.ReadAllText(Path.Combine(host.GuestRoot(g), "usr/lib/p/one.so")));
        }
    }

    [Fact]
    public async Task GcFreesAGroupsCopiesAfterItsLastGuestIsRemoved()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var package = host.Build("p", "1.0.0", Files);
        host.AddGuest("d");
        host.AddGuest("lonely", shareGroup: "tenant9");
        await host.ApplyAsync("d", package);
        await host.ApplyAsync("lonely", package);
        var groupDir = ContentStore.GroupFilesDir(host.Paths, "tenant9");
        var groupFile = new ContentStore(host.Paths, "tenant9").PathFor(Sha(Files["usr/lib/p/one.so"]), "0644");
        Assert.True(File.Exists(groupFile));

        await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.True(File.Exists(groupFile), "gc keeps what a guest of the group links");

        await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("lonely", deleteFiles: true, CancellationToken.None);
        var report = await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.False(Directory.Exists(groupDir), "the group's copies and folder are gone");
        Assert.True(report.StoreFilesRemoved >= Files.Count);
        Assert.Empty(host.Maintenance.Verify(["d"]));
        Assert.True(NativeFs.IsImmutable(new ContentStore(host.Paths).PathFor(Sha(Files["usr/lib/p/one.so"]), "0644")));
    }

    [Fact]
    public void TheGroupIsKeptForRecoverRebuild()
    {
        using var host = new HostFixture();
        host.AddGuest("t", shareGroup: "tenant3");
        var roots = File.ReadAllText(HostIdentity.GuestRootsPath(host.Paths.StateDir));
        Assert.Contains("\"share_group\":\"tenant3\"", roots);
        Assert.Equal(HostDatabase.SchemaVersion, host.Database.UserVersion);
        Assert.Equal("tenant3", host.Database.Guests.Find("t")!.ShareGroup);
    }
}
