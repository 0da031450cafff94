using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// Store variants (HOST-STATE.md "Owners and modes"): a file whose exact mode or owner matters (setuid 4755, a file
/// owned by www-data) is shared through one immutable store inode per (content, exact mode, uid, gid), so guests whose
/// resolved ids are equal share one inode and no guest can change it for the others; verify, repair and gc know them;
/// without an immutable store they are still copied. Inodes, modes and ids are compared, not only contents.
/// </summary>
public sealed class StoreVariantTests
{
    private static readonly byte[] Su = Encoding.UTF8.GetBytes("#!/bin/sh\necho i am setuid\n");
    private static readonly byte[] Page = Encoding.UTF8.GetBytes("<h1>owned by www-data</h1>\n");
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("plain shared file\n");

    private static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>A package with a 4755 root file, a 0640 file owned by www-data:33 and a plain file (built as the importer writes them).</summary>
    private static DesiredPackage Build(HostFixture host, string version = "1.0.0")
    {
        var info = new PackageInfo { Name = "suid", Version = version, Summary = "set-id and owned files" };
        var payload = new List<PayloadEntry>
        {
            PayloadEntry.Directory("usr"),
            PayloadEntry.Directory("usr/bin"),
            PayloadEntry.FromBytes("usr/bin/plain", Plain, "0755"),
            PayloadEntry.FromBytes("usr/bin/su", Su, "4755"),
            PayloadEntry.Directory("var"),
            PayloadEntry.Directory("var/www"),
            PayloadEntry.FromBytes("var/www/index.html", Page, "0640") with { Owner = "www-data:33", Group = "www-data:33" },
        };
        Directory.CreateDirectory(Path.Combine(host.Root, "out"));
        var path = Path.Combine(host.Root, "out", $"suid_{version}.stork");
        using (var output = File.Create(path)) PackageWriter.Write(info, payload, output);
        using var stream = File.OpenRead(path);
        var desired = new DesiredPackage("suid", version, Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length, true);
        host.Blobs.Add(desired, path);
        return desired;
    }

    private static void AddGuest(HostFixture host, string name, uint wwwData)
    {
        var etc = Path.Combine(host.GuestRoot(name), "etc");
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "passwd"), $"root:x:0:0:root:/root:/bin/sh\nwww-data:x:{wwwData}:{wwwData}:www-data:/var/www:/usr/sbin/nologin\n");
        File.WriteAllText(Path.Combine(etc, "group"), $"root:x:0:\nwww-data:x:{wwwData}:\n");
        host.AddGuest(name);
    }

    private static FileStatus Stat(HostFixture host, string guest, string path) =>
        Native.LStat(Path.Combine(host.GuestRoot(guest), path)) ?? throw new Xunit.Sdk.XunitException($"{guest}:/{path} is missing");

    private static string Hash(HostFixture host, string guest, string path) => Sha(File.ReadAllBytes(Path.Combine(host.GuestRoot(guest), path)));

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }

    private static string Octal(int mode) => Convert.ToString(mode, 8);

    [RootFact] // CAP_LINUX_IMMUTABLE, chown
    public async Task A_setuid_file_is_one_immutable_inode_with_its_exact_mode_that_no_guest_can_change()
    {
        using var host = new HostFixture(immutable: true);
        var package = Build(host);
        AddGuest(host, "a", 33);
        AddGuest(host, "b", 33);
        await host.ApplyAsync("a", package);
        var second = await host.ApplyAsync("b", package);

        var store = new ContentStore(host.Paths);
        var variant = Native.LStat(ContentStore.VariantPathIn(host.Paths.FilesDir, Sha(Su), "4755", 0, 0))
            ?? throw new Xunit.Sdk.XunitException("no store variant sha-4755-0-0");
        var a = Stat(host, "a", "usr/bin/su");
        var b = Stat(host, "b", "usr/bin/su");
        Assert.True(a.IsSameFileAs(b), "both guests link one inode");
        Assert.True(a.IsSameFileAs(variant), "the inode is the store variant");
        Assert.False(a.IsSameFileAs(Native.LStat(store.PathFor(Sha(Su), "4755"))!.Value), "not the plain content file (write bits cleared)");
        Assert.Equal("4755", Octal(a.Permissions));
        Assert.Equal((0u, 0u), (a.Uid, a.Gid));
        Assert.True(a.IsImmutable, "the variant is immutable");
        Assert.Equal(3u, a.LinkCount); // the store name and one link per guest
        Assert.Equal(0, second.FilesCopied); // nothing copied for the second guest
        Assert.Equal(3, second.FilesLinked);

        // Root itself (all capabilities; a guest has fewer) cannot change the inode through a guest's name.
        var inA = Path.Combine(host.GuestRoot("a"), "usr/bin/su");
        var before = Hash(host, "b", "usr/bin/su");
        var chmod = Run("chmod", "0777", inA);
        var chown = Run("chown", "1000:1000", inA);
        Assert.NotEqual(0, chmod.Code);
        Assert.Contains("Operation not permitted", chmod.Error);
        Assert.NotEqual(0, chown.Code);
        Assert.Contains("Operation not permitted", chown.Error);
        var write = Assert.ThrowsAny<Exception>(() => { using var _ = new FileStream(inA, FileMode.Open, FileAccess.Write); });
        Assert.True(write is UnauthorizedAccessException or IOException, write.ToString());
        Assert.Equal(before, Hash(host, "b", "usr/bin/su"));
        Assert.Equal(Sha(Su), before);
        var after = Stat(host, "b", "usr/bin/su");
        Assert.Equal(("4755", 0u, 0u), (Octal(after.Permissions), after.Uid, after.Gid));

        // The plain file is still the plain content file, read-only.
        Assert.True(Stat(host, "a", "usr/bin/plain").IsSameFileAs(Native.LStat(store.PathFor(Sha(Plain), "0755"))!.Value));
        Assert.Equal("555", Octal(Stat(host, "a", "usr/bin/plain").Permissions));
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
    }

    [RootFact]
    public async Task An_owner_with_another_uid_in_one_guest_gets_its_own_variant()
    {
        using var host = new HostFixture(immutable: true);
        var package = Build(host);
        AddGuest(host, "a", 33);
        AddGuest(host, "b", 1033);
        AddGuest(host, "c", 33);
        foreach (var g in new[] { "a", "b", "c" }) await host.ApplyAsync(g, package);

        var a = Stat(host, "a", "var/www/index.html");
        var b = Stat(host, "b", "var/www/index.html");
        var c = Stat(host, "c", "var/www/index.html");
        Assert.True(a.IsSameFileAs(c), "guests with equal ids share one inode");
        Assert.False(a.IsSameFileAs(b), "a guest with another uid for www-data has another inode");
        Assert.Equal(("640", 33u, 33u), (Octal(a.Permissions), a.Uid, a.Gid));
        Assert.Equal(("640", 1033u, 1033u), (Octal(b.Permissions), b.Uid, b.Gid));
        Assert.True(a.IsImmutable && b.IsImmutable, "both variants are immutable");
        var shard = Path.Combine(host.Paths.FilesDir, Sha(Page)[..2]);
        Assert.Equal([$"{Sha(Page)}-0640", $"{Sha(Page)}-0640-1033-1033", $"{Sha(Page)}-0640-33-33"],
            Directory.EnumerateFiles(shard, Sha(Page) + "*").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        Assert.True(b.IsSameFileAs(Native.LStat(Path.Combine(shard, $"{Sha(Page)}-0640-1033-1033"))!.Value));
        Assert.Equal(2u, b.LinkCount);
        Assert.Equal(3u, a.LinkCount);
        Assert.Empty(host.Maintenance.Verify(["a", "b", "c"]));

        // guest remove (keeping the root) turns b's variants into plain copies with the same mode and owner.
        await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("b", deleteFiles: false, CancellationToken.None);
        var kept = Stat(host, "b", "var/www/index.html");
        Assert.Equal(("640", 1033u, 1033u, 1u, false), (Octal(kept.Permissions), kept.Uid, kept.Gid, kept.LinkCount, kept.IsImmutable));
        var su = Stat(host, "b", "usr/bin/su");
        Assert.Equal(("4755", 0u, 1u, false), (Octal(su.Permissions), su.Uid, su.LinkCount, su.IsImmutable));
        Assert.Equal(Sha(Page), Hash(host, "b", "var/www/index.html"));
        Assert.Equal(1u, Native.LStat(Path.Combine(shard, $"{Sha(Page)}-0640-1033-1033"))!.Value.LinkCount);
    }

    [RootFact]
    public async Task A_damaged_variant_is_drift_in_every_guest_linking_it_repair_restores_them_and_gc_frees_it_when_unused()
    {
        using var host = new HostFixture(immutable: true);
        var package = Build(host);
        host.CacheBlob(package);
        AddGuest(host, "a", 33);
        AddGuest(host, "b", 33);
        await host.ApplyAsync("a", package);
        await host.ApplyAsync("b", package);
        var variantPath = ContentStore.VariantPathIn(host.Paths.FilesDir, Sha(Su), "4755", 0, 0);

        // What a crash inside a lift window, or an admin with chattr, could leave: the variant writable, then written.
        NativeFs.SetImmutable(variantPath, false);
        using (var stream = new FileStream(variantPath, FileMode.Open, FileAccess.Write))
            stream.Write(Encoding.UTF8.GetBytes("#!/bin/sh\necho i am broken\n"));
        var drift = host.Maintenance.Verify(["a"]);
        Assert.Contains(drift, d => d is { Guest: "a", Path: "/usr/bin/su", Kind: DriftKind.Content });
        Assert.Contains(drift, d => d is { Guest: "b", Path: "/usr/bin/su", Kind: DriftKind.Content }); // the same inode
        Assert.DoesNotContain(drift, d => d.Kind == DriftKind.Orphan);

        Assert.Equal(["/usr/bin/su"], await host.Maintenance.RepairAsync("a", CancellationToken.None));
        Assert.Equal(["/usr/bin/su"], await host.Maintenance.RepairAsync("b", CancellationToken.None));
        var fresh = Native.LStat(variantPath)!.Value;
        foreach (var g in new[] { "a", "b" })
        {
            var s = Stat(host, g, "usr/bin/su");
            Assert.True(s.IsSameFileAs(fresh), $"{g} links the new variant");
            Assert.Equal(("4755", 0u, 0u, true), (Octal(s.Permissions), s.Uid, s.Gid, s.IsImmutable));
            Assert.Equal(Sha(Su), Hash(host, g, "usr/bin/su"));
        }
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));

        // gc keeps a variant while a guest links it, and frees it when none does.
        await host.ApplyAsync("a");
        await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.True(File.Exists(variantPath), "b still links the variant");
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
        await host.ApplyAsync("b");
        await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.False(File.Exists(variantPath), "no guest links the variant any more");
        // Left: the plain content file, which the guests' earlier generations still name (a rollback makes the variant again).
        Assert.Equal([new ContentStore(host.Paths).PathFor(Sha(Su), "4755")], Directory.EnumerateFiles(host.Paths.FilesDir, Sha(Su) + "*", SearchOption.AllDirectories));
    }

    [RootFact]
    public async Task Without_an_immutable_store_set_id_and_owned_files_are_copied_as_before()
    {
        using var host = new HostFixture(immutable: false);
        var package = Build(host);
        AddGuest(host, "a", 33);
        AddGuest(host, "b", 1033);
        await host.ApplyAsync("a", package);
        await host.ApplyAsync("b", package);
        var su = Stat(host, "b", "usr/bin/su");
        var page = Stat(host, "b", "var/www/index.html");
        Assert.Equal(("4755", 1u), (Octal(su.Permissions), su.LinkCount));
        Assert.Equal(("640", 1033u, 1u), (Octal(page.Permissions), page.Uid, page.LinkCount));
        Assert.DoesNotContain(Directory.EnumerateFiles(host.Paths.FilesDir, "*", SearchOption.AllDirectories), f => ContentStore.IsVariantName(Path.GetFileName(f)));
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));
    }
}
