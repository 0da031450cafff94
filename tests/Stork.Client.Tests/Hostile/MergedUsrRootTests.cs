using System.Diagnostics;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Publishing.Building;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// Real container roots: Debian 12 / Ubuntu / Fedora have bin, sbin, lib, lib64 as symlinks into usr. Package
/// paths under them land in usr/..., the installed binary runs with chroot, and list/verify/remove/upgrade see
/// one file. LXC (NAME/rootfs beside NAME/config) and systemd-nspawn (machines/NAME) layouts too.
/// </summary>
public sealed class MergedUsrRootTests
{
    private static string Sources()
    {
        Assert.Null(MachineRequirements.Fixtures);
        return RepoRoot.File("fixtures", "build", "src");
    }

    private static DesiredPackage Build(HostFixture host, string sources, string dir)
    {
        var built = PackageBuilder.Build(Path.Combine(sources, dir), Path.Combine(host.Root, "out"));
        var desired = new DesiredPackage(built.Manifest.Name, built.Manifest.Version, built.Sha256, built.Length, true);
        host.Blobs.Add(desired, built.Path);
        return desired;
    }

    /// <summary>The top level of a Debian 12 root (as debootstrap/mmdebstrap make it), without its packages.</summary>
    private static void MakeMergedUsr(string root)
    {
        foreach (var dir in new[] { "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "var", "tmp", "root" })
            Directory.CreateDirectory(Path.Combine(root, dir));
        File.CreateSymbolicLink(Path.Combine(root, "bin"), "usr/bin");
        File.CreateSymbolicLink(Path.Combine(root, "sbin"), "usr/sbin");
        File.CreateSymbolicLink(Path.Combine(root, "lib"), "usr/lib");
        File.CreateSymbolicLink(Path.Combine(root, "lib64"), "/usr/lib64"); // absolute: resolves inside the guest, as chroot sees it
    }

    [Theory]
    [InlineData("plain", "openat2")]
    [InlineData("plain", "walk")]
    [InlineData("lxc", "openat2")]
    [InlineData("nspawn", "walk")]
    public async Task HelloInstallsIntoAMergedUsrRootAndRuns(string layout, string resolver)
    {
        var sources = Sources();
        GuestRoot.ForceWalk = resolver == "walk";
        try
        {
            using var host = new HostFixture(immutable: true);
            string registered, root;
            switch (layout)
            {
                case "lxc":
                    registered = Path.Combine(host.Root, "lxc", "web1");
                    root = Path.Combine(registered, "rootfs");
                    Directory.CreateDirectory(root);
                    File.WriteAllText(Path.Combine(registered, "config"), "lxc.rootfs.path = dir:" + root + "\n");
                    break;
                case "nspawn":
                    registered = root = Path.Combine(host.Root, "machines", "web1");
                    break;
                default:
                    registered = root = host.GuestRoot("web1");
                    break;
            }
            MakeMergedUsr(root);
            var record = host.Guests.AddGuest("web1", registered);
            Assert.Equal(root, record.Root);
            var busybox = Build(host, sources, "busybox-1.35.0");
            var data = Build(host, sources, "greet-data-1.0.0");
            var hello = Build(host, sources, "hello-1.0.0");
            var hello2 = Build(host, sources, "hello-2.0.0-beta.1");

            await host.ApplyAsync("web1", busybox, data, hello);
            // bin/busybox landed in usr/bin/busybox; the top-level symlinks are untouched.
            Assert.Equal("usr/bin", new FileInfo(Path.Combine(root, "bin")).LinkTarget);
            Assert.Equal("/usr/lib64", new FileInfo(Path.Combine(root, "lib64")).LinkTarget);
            Assert.True(Native.LStat(Path.Combine(root, "usr/bin/busybox")) is { IsRegularFile: true });
            Assert.Equal("busybox", new FileInfo(Path.Combine(root, "usr/bin/sh")).LinkTarget);
            Assert.Equal("Hello! Hello from Stork!", RunInGuest(root, "/usr/bin/hello"));
            Assert.Empty(host.Maintenance.Verify(["web1"]));
            Assert.Contains(host.Installer.ListInstalled("web1"), p => p.Name == "busybox");

            await host.ApplyAsync("web1", busybox, data, hello2);
            Assert.StartsWith("Hello (2.0.0-beta.1)", RunInGuest(root, "/usr/bin/hello"));
            Assert.Empty(host.Maintenance.Verify(["web1"]));

            await host.ApplyAsync("web1");
            Assert.Null(Native.LStat(Path.Combine(root, "usr/bin/busybox")));
            Assert.Equal("usr/bin", new FileInfo(Path.Combine(root, "bin")).LinkTarget); // never removed nor replaced
            Assert.True(Directory.Exists(Path.Combine(root, "usr/bin")));
        }
        finally
        {
            GuestRoot.ForceWalk = false;
        }
    }

    [Fact]
    public async Task APackageShippingBothBinXAndUsrBinXIsAnAliasingConflict()
    {
        using var host = new HostFixture();
        host.AddGuest("g");
        MakeMergedUsr(host.GuestRoot("g"));
        var both = host.Build("both", "1.0.0", new Dictionary<string, string> { ["bin/x"] = "one\n", ["usr/bin/x"] = "two\n" });
        var error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", both));
        Assert.Contains("same file", error.Message);
        Assert.Null(Native.LStat(Path.Combine(host.GuestRoot("g"), "usr/bin/x")));

        // Two packages, one each: the same conflict, naming both.
        var a = host.Build("a", "1.0.0", new Dictionary<string, string> { ["bin/x"] = "one\n" });
        var b = host.Build("b", "1.0.0", new Dictionary<string, string> { ["usr/bin/x"] = "two\n" });
        await host.ApplyAsync("g", a);
        error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", a, b));
        Assert.Contains("'/bin/x' (a)", error.Message);
        Assert.Equal("one\n", File.ReadAllText(Path.Combine(host.GuestRoot("g"), "usr/bin/x")));
    }

    [Fact]
    public async Task AnUpgradeMovingBinXToUsrBinXKeepsTheFile()
    {
        using var host = new HostFixture();
        host.AddGuest("g");
        MakeMergedUsr(host.GuestRoot("g"));
        var v1 = host.Build("m", "1.0.0", new Dictionary<string, string> { ["bin/x"] = "one\n" });
        var v2 = host.Build("m", "2.0.0", new Dictionary<string, string> { ["usr/bin/x"] = "two\n" });
        await host.ApplyAsync("g", v1);
        await host.ApplyAsync("g", v2);
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(host.GuestRoot("g"), "usr/bin/x")));
        Assert.Empty(host.Maintenance.Verify(["g"]));
    }

    [Fact]
    public async Task ParentSymlinksPointingOutsideResolveInsideTheGuest()
    {
        using var host = new HostFixture();
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        var outside = Path.Combine(host.Root, "outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(Path.Combine(root, "usr"));
        File.CreateSymbolicLink(Path.Combine(root, "usr/lib"), outside); // absolute host path: inside the guest it is <root>/<outside>
        Directory.CreateDirectory(Path.Combine(root, outside.TrimStart('/')));
        var p = host.Build("p", "1.0.0", new Dictionary<string, string> { ["usr/lib/f"] = "f\n" });
        await host.ApplyAsync("g", p);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal("f\n", File.ReadAllText(Path.Combine(root, outside.TrimStart('/'), "f")));
    }

    private static string RunInGuest(string root, string command)
    {
        var start = new ProcessStartInfo("chroot", [root, command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chroot {root} {command} failed: {process.StandardError.ReadToEnd()}");
        return stdout.Split('\n')[0];
    }
}
