namespace Stork.Testing;

/// <summary>
/// What a test needs from the machine, each as a reason it cannot run here or null. The facts below skip with that
/// reason (xunit's discovery-time skip), so a missing environment shows up as "skipped: why", never as a silent pass.
/// ./test.sh runs as root and installs every tool, so on CI none of them skips.
/// </summary>
public static class MachineRequirements
{
    public static string? Root => Environment.IsPrivilegedProcess
        ? null
        : "needs root (chroot, chattr +i, mounts); ./test.sh runs as root";

    public static string? Fixtures => Directory.Exists(RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0"))
        ? null
        : "needs the fixture sources: run sh fixtures/make-fixtures.sh (./test.sh does)";

    /// <summary>Loop mounts and mkfs.xfs or mkfs.btrfs, for a second filesystem (reflinks).</summary>
    public static string? LoopFilesystem
    {
        get
        {
            if (Root is { } why) return why;
            if (!File.Exists("/dev/loop-control")) return "needs loop devices (/dev/loop-control is missing: a container without them?)";
            string[] mkfs = ["/usr/sbin/mkfs.xfs", "/sbin/mkfs.xfs", "/usr/sbin/mkfs.btrfs", "/sbin/mkfs.btrfs"];
            return mkfs.Any(File.Exists) ? null : "needs mkfs.xfs or mkfs.btrfs: apt-get install xfsprogs (./test.sh does)";
        }
    }
}

/// <summary>A fact that needs root; skipped saying so otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (MachineRequirements.Root is { } why) Skip = why;
    }
}

/// <summary>A fact that needs root and the built fixture sources.</summary>
public sealed class FixturesFactAttribute : FactAttribute
{
    public FixturesFactAttribute()
    {
        if ((MachineRequirements.Root ?? MachineRequirements.Fixtures) is { } why) Skip = why;
    }
}

/// <summary>A fact that needs a loop-mounted second filesystem (reflink tests).</summary>
public sealed class LoopFilesystemFactAttribute : FactAttribute
{
    public LoopFilesystemFactAttribute()
    {
        if (MachineRequirements.LoopFilesystem is { } why) Skip = why;
    }
}
