using System.Runtime.InteropServices;

namespace Stork.Client.Store;

/// <summary>
/// The kernel's <c>struct statx</c> (only the fields Stork reads), shared by the host-path calls (<see cref="Native"/>)
/// and the guest-descriptor calls (<c>GuestSyscalls</c>), with its one conversion to <see cref="FileStatus"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    /// <summary>STATX_BASIC_STATS: type, mode, links, ids, inode, size, blocks, times.</summary>
    public const uint BasicStats = 0x7FF;
    private const ulong AttrImmutable = 0x10, AttrMountRoot = 0x2000;

    [FieldOffset(8)] public ulong Attributes;
    [FieldOffset(16)] public uint LinkCount;
    [FieldOffset(20)] public uint Uid;
    [FieldOffset(24)] public uint Gid;
    [FieldOffset(28)] public ushort Mode;
    [FieldOffset(32)] public ulong Inode;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(56)] public ulong AttributesMask;
    [FieldOffset(112)] public long MtimeSec; // stx_mtime.tv_sec
    [FieldOffset(120)] public uint MtimeNsec;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;

    public readonly FileStatus ToFileStatus() => new(((ulong)DevMajor << 32) | DevMinor, Inode, LinkCount, Mode, (long)Size)
    {
        // statx reports FS_IMMUTABLE_FL for free: no open + ioctl per store file just to read the flag.
        IsImmutable = (AttributesMask & AttrImmutable) != 0 && (Attributes & AttrImmutable) != 0,
        ModifiedNanoseconds = MtimeSec * 1_000_000_000L + MtimeNsec,
        IsMountRoot = (AttributesMask & AttrMountRoot) != 0 && (Attributes & AttrMountRoot) != 0,
        Uid = Uid,
        Gid = Gid,
    };
}
