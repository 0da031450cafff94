using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// A dpkg guest's registration files of a Stork package (info/NAME.list, NAME.md5sums) depend only on the package, so
/// in guests that hard-link an immutable store they are one immutable store inode shared by all of them
/// (<see cref="RegistrationFiles"/>); private files otherwise. Inodes, flags and bytes are compared.
/// </summary>
public sealed class SharedRegistrationTests
{
    private const string Status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u10\n\n";
    private const string Readme = "tool\n";
    private const string Data = "tool data\n";

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static readonly string ExpectedMd5Sums = $"{Md5(Data)}  usr/share/tool/data\n{Md5(Readme)}  usr/share/tool/README\n";

    private static DesiredPackage Tool(HostFixture host) =>
        host.Build("tool", "1.0.0", new Dictionary<string, string> { ["usr/share/tool/README"] = Readme, ["usr/share/tool/data"] = Data });

    private static void DpkgGuest(HostFixture host, string name, LinkMode mode = LinkMode.HardLink)
    {
        var status = Path.Combine(host.GuestRoot(name), "var/lib/dpkg/status");
        Directory.CreateDirectory(Path.GetDirectoryName(status)!);
        File.WriteAllText(status, Status);
        host.AddGuest(name, mode);
    }

    private static string Info(HostFixture host, string guest, string kind) => Path.Combine(host.GuestRoot(guest), $"var/lib/dpkg/info/tool.{kind}");

    private static FileStatus Stat(string path) => Native.LStat(path) ?? throw new Xunit.Sdk.XunitException($"{path} is missing");

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

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

    private static void AssertMd5SumsSorted(string path) =>
        Assert.Equal(ExpectedMd5Sums.Split('\n').Order(StringComparer.Ordinal), File.ReadAllText(path).Split('\n').Order(StringComparer.Ordinal));

    [RootFact] // CAP_LINUX_IMMUTABLE
    public async Task Two_guests_link_one_immutable_list_and_md5sums_that_neither_can_change_and_gc_frees_them_after_both_removed()
    {
        using var host = new HostFixture(immutable: true);
        var tool = Tool(host);
        DpkgGuest(host, "a");
        DpkgGuest(host, "b");
        await host.ApplyAsync("a", tool);
        await host.ApplyAsync("b", tool);

        var store = new ContentStore(host.Paths);
        foreach (var kind in new[] { "list", "md5sums" })
        {
            var a = Stat(Info(host, "a", kind));
            var b = Stat(Info(host, "b", kind));
            Assert.True(a.IsSameFileAs(b), $"tool.{kind}: one inode in both guests");
            Assert.True(a.IsImmutable, $"tool.{kind} is immutable");
            Assert.Equal(3u, a.LinkCount); // the store name and one per guest
            Assert.Equal(0x124, a.Permissions); // 0444, read-only like every shared store file
            Assert.True(a.IsSameFileAs(Stat(store.RegistrationPath(Sha(Info(host, "a", kind))))), $"tool.{kind} is the store's registration file");
        }
        // The status file Stork rewrote keeps dpkg's 0644 (a C# literal 0644 is decimal: it once made it 01204).
        Assert.Equal(0x1A4, Stat(Path.Combine(host.GuestRoot("a"), "var/lib/dpkg/status")).Permissions);
        // What dpkg expects: "/." and every path (dpkg -L), and "MD5  PATH" of each regular file (dpkg -V).
        var list = File.ReadAllText(Info(host, "a", "list"));
        Assert.StartsWith("/.\n", list);
        Assert.Contains("/usr/share/tool/README\n", list);
        Assert.Contains("/usr/share/tool/data\n", list);
        AssertMd5SumsSorted(Info(host, "b", "md5sums"));
        // Hashed once: the host remembers which store file holds the package's md5sums.
        Assert.Single(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(host.Paths.FilesDir)!, "dpkg-md5sums")));

        // Root itself (a guest has less) cannot write, chmod or unlink it through guest a's name; b's bytes stay.
        var listInA = Info(host, "a", "list");
        var before = Sha(Info(host, "b", "list"));
        var chmod = Run("chmod", "0666", listInA);
        Assert.True(chmod.Code != 0 && chmod.Error.Contains("Operation not permitted"), chmod.Error);
        var rm = Run("rm", "-f", listInA);
        Assert.True(rm.Code != 0 && rm.Error.Contains("Operation not permitted"), rm.Error);
        var write = Assert.ThrowsAny<Exception>(() => { using var _ = new FileStream(listInA, FileMode.Open, FileAccess.Write); });
        Assert.True(write is UnauthorizedAccessException or IOException, write.ToString());
        Assert.Equal(before, Sha(Info(host, "b", "list")));
        Assert.Empty(host.Maintenance.Verify(["a", "b"])); // not orphans: they are at the names of an installed package

        // Removed from a: its names are gone, b's are intact; gc keeps the store files while b links them.
        var listStore = store.RegistrationPath(before);
        var md5Store = store.RegistrationPath(Sha(Info(host, "b", "md5sums")));
        await host.ApplyAsync("a");
        Assert.False(File.Exists(Info(host, "a", "list")));
        Assert.False(File.Exists(Info(host, "a", "md5sums")));
        Assert.Equal(before, Sha(Info(host, "b", "list")));
        AssertMd5SumsSorted(Info(host, "b", "md5sums"));
        await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.Equal(2u, Stat(listStore).LinkCount);
        Assert.True(Stat(md5Store).IsSameFileAs(Stat(Info(host, "b", "md5sums"))));
        Assert.Empty(host.Maintenance.Verify(["a", "b"]));

        await host.ApplyAsync("b");
        Assert.False(File.Exists(Info(host, "b", "list")));
        await host.Maintenance.CollectGarbageAsync(null, CancellationToken.None);
        Assert.False(File.Exists(listStore), "gc frees the .list once no guest links it");
        Assert.False(File.Exists(md5Store), "gc frees the .md5sums once no guest links it");
        Assert.Empty(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(host.Paths.FilesDir)!, "dpkg-md5sums")));
    }

    [RootFact]
    public async Task Copy_mode_and_a_store_without_immutable_flags_keep_private_registration_files()
    {
        using (var host = new HostFixture(immutable: true))
        {
            var tool = Tool(host);
            DpkgGuest(host, "linked");
            DpkgGuest(host, "copied", LinkMode.Copy);
            await host.ApplyAsync("linked", tool);
            await host.ApplyAsync("copied", tool);
            foreach (var kind in new[] { "list", "md5sums" })
            {
                var copied = Stat(Info(host, "copied", kind));
                Assert.Equal((1u, false, 0x1A4), (copied.LinkCount, copied.IsImmutable, copied.Permissions)); // private, 0644
                Assert.Equal(Sha(Info(host, "linked", kind)), Sha(Info(host, "copied", kind)));
            }
            Assert.Empty(host.Maintenance.Verify(["linked", "copied"]));
        }
        using (var host = new HostFixture(immutable: false))
        {
            var tool = Tool(host);
            DpkgGuest(host, "a");
            DpkgGuest(host, "b");
            await host.ApplyAsync("a", tool);
            await host.ApplyAsync("b", tool);
            foreach (var kind in new[] { "list", "md5sums" })
            {
                Assert.False(Stat(Info(host, "a", kind)).IsSameFileAs(Stat(Info(host, "b", kind))), $"tool.{kind} is private without an immutable store");
                Assert.Equal(1u, Stat(Info(host, "a", kind)).LinkCount);
            }
            AssertMd5SumsSorted(Info(host, "a", "md5sums"));
        }
    }

    [RootFact]
    public async Task Verify_reports_a_replaced_or_missing_registration_file_repair_puts_it_back_and_guest_remove_leaves_private_copies()
    {
        using var host = new HostFixture(immutable: true);
        var tool = Tool(host);
        DpkgGuest(host, "a");
        DpkgGuest(host, "b");
        DpkgGuest(host, "c", LinkMode.Copy);
        await host.ApplyAsync("a", tool);
        await host.ApplyAsync("b", tool);
        await host.ApplyAsync("c", tool);
        var store = new ContentStore(host.Paths);
        var listStore = store.RegistrationPath(Sha(Info(host, "a", "list")));

        // A replaced .list in a (done from the host, the store inode lifted: the guest could not): same bytes, own inode.
        var list = Info(host, "a", "list");
        var bytes = File.ReadAllBytes(list);
        NativeFs.SetImmutable(listStore, false);
        File.Delete(list);
        NativeFs.SetImmutable(listStore, true);
        File.WriteAllBytes(list, bytes);
        // In the copy guest: an edited .list and a deleted .md5sums.
        File.WriteAllText(Info(host, "c", "list"), "/.\n/etc/shadow\n");
        File.Delete(Info(host, "c", "md5sums"));

        var drift = host.Maintenance.Verify(["a", "b", "c"]);
        var a = Assert.Single(drift, d => d.Guest == "a");
        Assert.Equal((DriftKind.Registration, "/var/lib/dpkg/info/tool.list", "tool"), (a.Kind, a.Path, a.Package));
        Assert.Contains("not the store's shared copy", a.Problem);
        Assert.DoesNotContain(drift, d => d.Guest == "b");
        Assert.Contains(drift, d => d is { Guest: "c", Path: "/var/lib/dpkg/info/tool.list", Kind: DriftKind.Registration } && d.Problem.Contains("content differs"));
        Assert.Contains(drift, d => d is { Guest: "c", Path: "/var/lib/dpkg/info/tool.md5sums", Kind: DriftKind.Registration } && d.Problem.Contains("missing"));
        Assert.Equal("dpkg-registration", DriftKindText.Of(DriftKind.Registration));

        Assert.Contains("/var/lib/dpkg/info/tool.list", await host.Maintenance.RepairAsync("a", CancellationToken.None));
        await host.Maintenance.RepairAsync("c", CancellationToken.None);
        Assert.True(Stat(list).IsSameFileAs(Stat(listStore)), "repair links the store's file again");
        Assert.Equal(Sha(Info(host, "b", "list")), Sha(Info(host, "c", "list")));
        AssertMd5SumsSorted(Info(host, "c", "md5sums"));
        Assert.Empty(host.Maintenance.Verify(["a", "b", "c"]));

        // guest remove (files kept): the guest's dpkg database stays usable with private, mutable copies.
        await new GuestRemoval(host.Paths, host.Database, host.Installer).RemoveAsync("a", deleteFiles: false, CancellationToken.None);
        foreach (var kind in new[] { "list", "md5sums" })
        {
            var kept = Stat(Info(host, "a", kind));
            Assert.Equal((1u, false), (kept.LinkCount, kept.IsImmutable));
            Assert.Equal(Sha(Info(host, "b", kind)), Sha(Info(host, "a", kind)));
        }
        Assert.Equal(2u, Stat(listStore).LinkCount); // b's link only
    }
}
