using System.Runtime.InteropServices;
using System.Text;

namespace Stork.Publishing.Building;

/// <summary>
/// Asks the kernel (statx, no symlink following) for the file type, which FileInfo does not expose.
/// Plain DllImport with blittable arguments: NativeAOT-safe without unsafe code.
/// </summary>
internal static class SourceFileKind
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int TypeMask = 0xF000;
    private const int TypeRegular = 0x8000;

    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxHead
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint LinkCount;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, byte[] path, int flags, uint mask, out StatxHead buffer);

    public static bool IsRegularFile(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        if (Statx(AtFdCwd, bytes, AtSymlinkNoFollow, StatxType, out var status) != 0)
            throw new IOException($"statx '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        return (status.Mode & TypeMask) == TypeRegular;
    }
}
