using System.Diagnostics;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Publishing.Building;
using Xunit;

namespace Stork.Client.Tests;

/// <summary>
/// End to end with the real fixtures (fixtures/make-fixtures.sh; skipped when they are not laid out):
/// build, install into a guest, and run the guest's /usr/bin/hello with its own busybox under chroot.
/// </summary>
public class FixtureGuestTests
{
    private static string FixtureSources() => RepoRoot.File("fixtures", "build", "src");

    private static DesiredPackage Build(HostFixture host, string sources, string dir)
    {
        var built = PackageBuilder.Build(Path.Combine(sources, dir), Path.Combine(host.Root, "out"));
        var desired = new DesiredPackage(built.Manifest.Name, built.Manifest.Version, built.Sha256, built.Length, true);
        host.Blobs.Add(desired, built.Path);
        return desired;
    }

    [FixturesFact]
    public async Task HelloRunsInsideTheGuestWithItsOwnBusybox()
    {
        var sources = FixtureSources();
        using var host = new HostFixture();
        var busybox = Build(host, sources, "busybox-1.35.0");
        var data = Build(host, sources, "greet-data-1.0.0");
        var hello = Build(host, sources, "hello-1.0.0");
        var hello2 = Build(host, sources, "hello-2.0.0-beta.1");
        host.AddGuest("demo");
        var root = host.GuestRoot("demo");

        await host.ApplyAsync("demo", busybox, data, hello);
        Assert.Equal("busybox", new FileInfo(Path.Combine(root, "bin/sh")).LinkTarget);
        if (Environment.UserName == "root")
            Assert.Equal("Hello! Hello from Stork!", RunInGuest(root, "/usr/bin/hello"));

        var report = await host.ApplyAsync("demo", busybox, data, hello2);
        Assert.Equal(["hello 1.0.0 -> 2.0.0-beta.1"], report.Upgraded);
        if (Environment.UserName == "root")
            Assert.StartsWith("Hello (2.0.0-beta.1)", RunInGuest(root, "/usr/bin/hello"));
    }

    [FixturesFact]
    public async Task UnchangedFileKeepsItsInodeAcrossAnUpgrade()
    {
        var sources = FixtureSources();
        using var host = new HostFixture();
        var v1 = Build(host, sources, "libdemo-1.0.0");
        var v11 = Build(host, sources, "libdemo-1.1.0");
        host.AddGuest("g");
        var data = Path.Combine(host.GuestRoot("g"), "usr/lib/libdemo/data.txt");

        await host.ApplyAsync("g", v1);
        var before = Native.LStat(data)!.Value;
        var report = await host.ApplyAsync("g", v11);
        Assert.Equal(["libdemo 1.0.0 -> 1.1.0"], report.Upgraded);
        Assert.Equal(2, report.FilesLinked); // VERSION (changed) and CHANGES (new); data.txt is the same store file
        Assert.Equal(before.Inode, Native.LStat(data)!.Value.Inode);
        Assert.Contains("1.1.0", File.ReadAllText(Path.Combine(host.GuestRoot("g"), "usr/lib/libdemo/VERSION")));
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("g"), "usr/share/doc/libdemo/CHANGES.orig")));
    }

    private static string RunInGuest(string root, string command)
    {
        var start = new ProcessStartInfo("chroot", [root, command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chroot {root} {command} failed: {error}");
        return output.Split('\n')[0];
    }
}
