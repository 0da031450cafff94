using System.Security.Cryptography;
using Stork.Client.Guests;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// A rollback is a change like any other for maintainer scripts: the leaving version's prerm and postrm and the
/// returning version's preinst and postinst run with dpkg's arguments (a rollback to an older version is an upgrade to
/// it for dpkg), for the packages the host's policy allows; without a policy none runs.
/// </summary>
public sealed class RollbackScriptsTests : IDisposable
{
    private readonly HostFixture _host = new();

    public void Dispose() => _host.Dispose();

    private const string Logger = """
        #!/bin/sh
        echo "$DPKG_MAINTSCRIPT_PACKAGE $STORK_PACKAGE_VERSION $DPKG_MAINTSCRIPT_NAME $*" >> /script.log
        """;

    /// <summary>NAME at Debian version DEB (mapped as import-deb does) with one file and four logging scripts, cached like a download.</summary>
    private DesiredPackage Scripted(string name, string deb)
    {
        var version = Stork.Format.Debian.DebianVersionMapping.ToSemVer(deb);
        var output = Path.Combine(_host.Root, "out", $"{name}_{version}.stork");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using (var stream = File.Create(output))
            PackageWriter.Write(new PackageInfo { Name = name, Version = version, DebianVersion = deb, Summary = "scripted" },
                [PayloadEntry.Directory("usr"), PayloadEntry.Directory("usr/share"), PayloadEntry.Directory($"usr/share/{name}"), PayloadEntry.FromBytes($"usr/share/{name}/VERSION", System.Text.Encoding.UTF8.GetBytes(deb + "\n"))], stream,
                new MaintainerScripts { Preinst = Logger, Postinst = Logger, Prerm = Logger, Postrm = Logger }, null, level: 3);
        var desired = new DesiredPackage(name, version, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output))), new FileInfo(output).Length, true);
        _host.Blobs.Add(desired, output);
        _host.CacheBlob(desired);
        return desired;
    }

    [Fact]
    public async Task Rollback_runs_the_scripts_of_the_versions_it_changes_in_dpkgs_order()
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        Assert.True(MachineRequirements.Fixtures is null, MachineRequirements.Fixtures);
        var runner = ScriptRunner.ForTool("bwrap");
        Assert.True(runner is not null, "bwrap is not installed: apt-get install bubblewrap (./test.sh does)");
        _host.AddGuest("g");
        var root = _host.GuestRoot("g");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0", "bin", "busybox"), Path.Combine(root, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(root, "bin", "sh"), "busybox");
        var policy = new ScriptPolicy(new HashSet<string> { "app" }, () => runner!);
        var v1 = Scripted("app", "1.0-1");
        var v2 = Scripted("app", "2.0-1");
        await _host.Installer.ApplyAsync("g", [v1], _host.Blobs, CancellationToken.None, scripts: policy);
        await _host.Installer.ApplyAsync("g", [v2], _host.Blobs, CancellationToken.None, scripts: policy);
        var log = Path.Combine(root, "script.log");
        int before = File.ReadAllLines(log).Length;

        // Without a policy (no role allowed) a rollback runs none.
        await _host.Maintenance.RollbackAsync("g", 1, CancellationToken.None, _ => null);
        Assert.Equal(before, File.ReadAllLines(log).Length);
        Assert.Equal("1.0-1\n", File.ReadAllText(Path.Combine(root, "usr/share/app/VERSION")));
        await _host.Installer.ApplyAsync("g", [v2], _host.Blobs, CancellationToken.None, scripts: policy);
        before = File.ReadAllLines(log).Length;

        List<(string Name, string Version)> asked = [];
        var report = await _host.Maintenance.RollbackAsync("g", 1, CancellationToken.None, packages => { asked.AddRange(packages); return policy; });
        Assert.Equal("1.0-1\n", File.ReadAllText(Path.Combine(root, "usr/share/app/VERSION")));
        Assert.Contains(("app", v2.Version), asked); // the leaving version's role decides its prerm/postrm
        Assert.Contains(("app", v1.Version), asked);
        Assert.Equal([
            "app 2.0-1 prerm upgrade 1.0-1",
            "app 1.0-1 preinst upgrade 2.0-1",
            "app 2.0-1 postrm upgrade 1.0-1",
            "app 1.0-1 postinst configure 2.0-1",
        ], File.ReadAllLines(log).Skip(before));
        Assert.Equal(5, report.Generation);
    }
}
