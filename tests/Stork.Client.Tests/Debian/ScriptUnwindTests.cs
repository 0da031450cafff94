using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// dpkg's error unwind before a change touches files: a failing preinst or prerm is answered by the abort-* scripts of
/// every step that ran, in reverse order; a failing <c>prerm upgrade</c> is retried with the new version's
/// <c>prerm failed-upgrade</c>. The scripts run for real (bwrap) in a busybox root and log how they were called.
/// </summary>
public sealed class ScriptUnwindTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Root => _dir.Combine("root");
    private string State => _dir.Combine("state");

    public ScriptUnwindTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "bin"));
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        if (MachineRequirements.Fixtures is null)
        {
            File.Copy(RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0", "bin", "busybox"), Path.Combine(Root, "bin", "busybox"));
            File.CreateSymbolicLink(Path.Combine(Root, "bin", "sh"), "busybox");
        }
    }

    public void Dispose() => _dir.Dispose();

    // Every script appends "PACKAGE VERSION SCRIPT ARGS" to /log; FAIL names the calls that exit 1. The comment line
    // tells which version's script a file in /var/lib/dpkg/info is.
    private static string Script(string name, string version, string fail) => $$"""
        #!/bin/sh
        # {{name}} {{version}}
        call="$DPKG_MAINTSCRIPT_PACKAGE $STORK_PACKAGE_VERSION $DPKG_MAINTSCRIPT_NAME $*"
        echo "$call" >> /log
        case "$call" in {{fail}}) echo "failing: $call" >&2; exit 1;; esac
        exit 0
        """;

    private static PackageManifest Package(string name, string version, string fail) => new()
    {
        Name = name,
        Version = version,
        DebianVersion = version + "-1",
        Scripts = new MaintainerScripts
        {
            Preinst = Script(name, version, fail),
            Postinst = Script(name, version, fail),
            Prerm = Script(name, version, fail),
            Postrm = Script(name, version, fail),
        },
    };

    private async Task<(string[] Log, MaintainerScriptException? Error)> RunBefore(string fail)
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        Assert.True(MachineRequirements.Fixtures is null, MachineRequirements.Fixtures);
        var runner = ScriptRunner.ForTool("bwrap");
        Assert.True(runner is not null, "bwrap is not installed: apt-get install bubblewrap (./test.sh does)");
        // gone 1.0 is removed, up 1.0 becomes 2.0, fresh 1.0 is added.
        var leaving = new[] { Package("gone", "1.0", fail), Package("up", "1.0", fail) }.ToDictionary(m => m.Name);
        var arriving = new[] { Package("up", "2.0", fail), Package("fresh", "1.0", fail) }.ToDictionary(m => m.Name);
        var changes = PackageChanges.Create(
            [new InstalledPackage("gone", "1.0", "a", true), new InstalledPackage("up", "1.0", "b", true)],
            [new DesiredPackage("up", "2.0", "c", 1, true), new DesiredPackage("fresh", "1.0", "d", 1, true)]);
        using var root = GuestRoot.Open("g", Root);
        var phase = new MaintainerScriptPhase(root, new ScriptPolicy(new HashSet<string> { "gone", "up", "fresh" }, () => runner!), State, TimeProvider.System);
        MaintainerScriptException? error = null;
        try { await phase.BeforeAsync(changes, arriving, leaving, CancellationToken.None); }
        catch (MaintainerScriptException e) { error = e; }
        finally { phase.Finish(); }
        var log = Path.Combine(Root, "log");
        return (File.Exists(log) ? File.ReadAllLines(log) : [], error);
    }

    [Fact]
    public async Task A_failing_preinst_unwinds_every_step_that_ran_in_reverse()
    {
        var (log, error) = await RunBefore("'up 2.0-1 preinst upgrade 1.0-1'");
        Assert.Equal([
            "gone 1.0-1 prerm remove",
            "up 1.0-1 prerm upgrade 2.0-1",
            "fresh 1.0-1 preinst install",
            "up 2.0-1 preinst upgrade 1.0-1",
            // the unwind
            "up 2.0-1 postrm abort-upgrade 1.0-1",
            "fresh 1.0-1 postrm abort-install",
            "up 1.0-1 postinst abort-upgrade 2.0-1",
            "gone 1.0-1 postinst abort-remove",
        ], log);
        Assert.NotNull(error);
        Assert.Equal(Stork.Format.Errors.ErrorClass.Guest, error.Class);
        Assert.Contains("up preinst upgrade 1.0-1 failed with exit 1", error.Message);
        Assert.Contains("nothing in the guest's files was changed; dpkg's error unwind ran: up postrm abort-upgrade 1.0-1", error.Message);
        Assert.False(File.Exists(Path.Combine(Root, "usr/sbin/policy-rc.d")), "the policy-rc.d of the phase must be gone");
        // dpkg's database holds the installed versions' scripts again (2.0's preinst and postrm ran, and were written,
        // during the change), and none of the package that was to be added.
        foreach (var script in new[] { "preinst", "postinst", "prerm", "postrm" })
        {
            Assert.Contains("# up 1.0\n", File.ReadAllText(Path.Combine(Root, "var/lib/dpkg/info", "up." + script)));
            Assert.Contains("# gone 1.0\n", File.ReadAllText(Path.Combine(Root, "var/lib/dpkg/info", "gone." + script)));
            Assert.False(File.Exists(Path.Combine(Root, "var/lib/dpkg/info", "fresh." + script)), "fresh." + script + " is left after the unwind");
        }
    }

    [Fact]
    public async Task A_failing_prerm_remove_is_answered_by_postinst_abort_remove()
    {
        var (log, error) = await RunBefore("'gone 1.0-1 prerm remove'");
        Assert.Equal(["gone 1.0-1 prerm remove", "gone 1.0-1 postinst abort-remove"], log);
        Assert.NotNull(error);
        Assert.Contains("gone prerm remove failed", error.Message);
    }

    [Fact]
    public async Task A_failing_prerm_upgrade_that_the_new_prerm_recovers_lets_the_change_go_on()
    {
        var (log, error) = await RunBefore("'up 1.0-1 prerm upgrade 2.0-1'");
        Assert.Null(error);
        Assert.Equal([
            "gone 1.0-1 prerm remove",
            "up 1.0-1 prerm upgrade 2.0-1",
            "up 2.0-1 prerm failed-upgrade 1.0-1",
            "fresh 1.0-1 preinst install",
            "up 2.0-1 preinst upgrade 1.0-1",
        ], log);
    }

    [Fact]
    public async Task A_prerm_upgrade_that_fails_both_ways_is_unwound_with_the_old_postinst()
    {
        var (log, error) = await RunBefore("'up 1.0-1 prerm upgrade 2.0-1'|'up 2.0-1 prerm failed-upgrade 1.0-1'|'gone 1.0-1 postinst abort-remove'");
        Assert.Equal([
            "gone 1.0-1 prerm remove",
            "up 1.0-1 prerm upgrade 2.0-1",
            "up 2.0-1 prerm failed-upgrade 1.0-1",
            "up 1.0-1 postinst abort-upgrade 2.0-1",
            "gone 1.0-1 postinst abort-remove",
        ], log);
        Assert.NotNull(error);
        // An unwind step that fails is said too: that package may be left half-configured.
        Assert.Contains("the unwind failed too (guest g: gone postinst abort-remove failed with exit 1", error.Message);
    }
}
