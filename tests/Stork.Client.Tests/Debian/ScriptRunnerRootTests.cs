using Stork.Client.Guests;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// The script runner enters the guest through the root descriptor Stork opened, not its host path: a guest (or anyone)
/// that moves the root away after it was opened and puts a symlink to another runnable tree in its place does not get
/// the script run in that other tree. Both runners (bwrap and unshare+chroot) are checked; a guest with the fixture
/// busybox as its /bin/sh is the smallest root a script can run in.
/// </summary>
public sealed class ScriptRunnerRootTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("bwrap")]
    [InlineData("unshare+chroot")]
    public async Task A_root_swapped_after_it_was_opened_does_not_move_the_script(string tool)
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        Assert.True(MachineRequirements.Fixtures is null, MachineRequirements.Fixtures);
        var runner = ScriptRunner.ForTool(tool);
        Assert.True(runner is not null, $"the {tool} script runner is not installed: apt-get install bubblewrap util-linux coreutils (./test.sh does)");

        var guestPath = _dir.Combine("guests", "g");
        var elsewhere = _dir.Combine("elsewhere");
        MakeShellRoot(guestPath);
        MakeShellRoot(elsewhere);
        using var root = GuestRoot.Open("g", guestPath);

        // The swap: the real root moves aside, its registered path becomes a symlink to a tree outside every guest.
        var moved = _dir.Combine("guests", "g-moved");
        Directory.Move(guestPath, moved);
        File.CreateSymbolicLink(guestPath, elsewhere);

        var run = await runner!.RunAsync(root, ["/bin/sh", "-c", "echo ran > /marker"],
            new Dictionary<string, string> { ["PATH"] = "/bin" }, CancellationToken.None);

        Assert.True(run.ExitCode == 0, $"{tool}: exit {run.ExitCode}: {run.Output}");
        Assert.Equal("ran\n", File.ReadAllText(Path.Combine(moved, "marker")));
        Assert.False(File.Exists(Path.Combine(elsewhere, "marker")), $"{tool} ran the script in the tree the root's path was swapped to");
    }

    [Fact]
    public async Task The_root_descriptor_reaches_only_the_runner_it_was_made_for()
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        Assert.True(MachineRequirements.Fixtures is null, MachineRequirements.Fixtures);
        var runner = ScriptRunner.ForTool("bwrap");
        Assert.True(runner is not null, "bwrap is not installed: apt-get install bubblewrap (./test.sh does)");
        var a = _dir.Combine("a");
        var b = _dir.Combine("b");
        MakeShellRoot(a);
        MakeShellRoot(b);
        using var rootA = GuestRoot.Open("a", a);
        using var rootB = GuestRoot.Open("b", b);

        // Scripts of two guests at once: neither may hold a directory descriptor (another guest's root would be one).
        // Files and pipes the test runner itself leaks are not the runner's doing and are left out.
        var env = new Dictionary<string, string> { ["PATH"] = "/bin" };
        const string listDirs = "for f in /proc/self/fd/*; do if [ -d $f ]; then echo \"dir $f\"; fi; done; sleep 1; " +
            "for f in /proc/self/fd/*; do if [ -d $f ]; then echo \"dir $f\"; fi; done; echo checked";
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            runner!.RunAsync(i % 2 == 0 ? rootA : rootB, ["/bin/sh", "-c", listDirs], env, CancellationToken.None)));
        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Equal("checked\n", run.Output);
        }
    }

    private static void MakeShellRoot(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy(RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0", "bin", "busybox"), Path.Combine(root, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "sleep" })
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
    }
}
