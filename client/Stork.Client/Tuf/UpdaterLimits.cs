namespace Stork.Client.Tuf;

/// <summary>Byte caps per role (against endless-data attacks) and the root-rotation cap.</summary>
public sealed record UpdaterLimits(long RootMaxBytes, long TimestampMaxBytes, long SnapshotMaxBytes, long TargetsMaxBytes, int MaxRootRotations)
{
    public static UpdaterLimits Default { get; } = new(
        RootMaxBytes: 512 * 1024,
        TimestampMaxBytes: 16 * 1024,
        SnapshotMaxBytes: 2 * 1024 * 1024,
        TargetsMaxBytes: 64 * 1024 * 1024,
        MaxRootRotations: 256);
}
