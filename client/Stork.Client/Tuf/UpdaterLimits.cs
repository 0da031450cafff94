namespace Stork.Client.Tuf;

/// <summary>Byte caps per role (against endless-data attacks), the root-rotation cap, and how long the root probe may be skipped.</summary>
/// <param name="RootCheckInterval">How long after a successful root-chain check a refresh that finds nothing new may skip
/// the <c>N+1.root.json</c> probe (SPEC.md §3.3, §7). Zero, the default here, probes on every refresh: strict TUF.</param>
public sealed record UpdaterLimits(long RootMaxBytes, long TimestampMaxBytes, long SnapshotMaxBytes, long TargetsMaxBytes, int MaxRootRotations,
    TimeSpan RootCheckInterval = default)
{
    public static UpdaterLimits Default { get; } = new(
        RootMaxBytes: 512 * 1024,
        TimestampMaxBytes: 16 * 1024,
        SnapshotMaxBytes: 2 * 1024 * 1024,
        TargetsMaxBytes: 64 * 1024 * 1024,
        MaxRootRotations: 256);
}
