namespace Stork.Client.Model;

/// <summary>The parts of a Linux stat result Stork needs: identity (device + inode), link count, type and mode.</summary>
public readonly record struct FileStatus(ulong Device, ulong Inode, uint LinkCount, uint Mode, long Size)
{
    private const uint TypeMask = 0xF000;

    public bool IsRegularFile => (Mode & TypeMask) == 0x8000;
    public bool IsDirectory => (Mode & TypeMask) == 0x4000;
    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>Permission bits including setuid/setgid/sticky (07777).</summary>
    public int Permissions => (int)(Mode & 0xFFF);

    /// <summary>Owner and group ids of the inode (variants and adoption compare them with what Stork gives the file).</summary>
    public uint Uid { get; init; }
    public uint Gid { get; init; }

    /// <summary>The inode carries FS_IMMUTABLE_FL (chattr +i), as statx reports it.</summary>
    public bool IsImmutable { get; init; }

    /// <summary>Last data modification (stx_mtime) in nanoseconds since the epoch, where the call reported it.</summary>
    public long ModifiedNanoseconds { get; init; }

    /// <summary>The directory is the root of a mount (STATX_ATTR_MOUNT_ROOT, Linux 5.8+; false where not reported).</summary>
    public bool IsMountRoot { get; init; }

    public bool IsSameFileAs(FileStatus other) => Device == other.Device && Inode == other.Inode;
}
