using System.Runtime.InteropServices;
using System.Text;

namespace Stork.Client.Store;

/// <summary>
/// The few libc calls .NET does not expose: statx (inode, link count, file type without following symlinks),
/// link and rename. Plain DllImport with blittable arguments (UTF-8 paths as byte arrays), so it works under
/// NativeAOT without runtime marshalling or unsafe code. statx has the same struct layout on every architecture.
/// </summary>
public static class Native
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int EXDEV = 18;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxCall(int dirFd, byte[] path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkCall(byte[] existing, byte[] newPath);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameCall(byte[] from, byte[] to);

    /// <summary>stat without following a final symlink; null when the path does not exist.</summary>
    public static FileStatus? LStat(string path) => StatCore(path, AtSymlinkNoFollow);

    /// <summary>stat following symlinks; null when the path does not exist.</summary>
    public static FileStatus? Stat(string path) => StatCore(path, 0);

    /// <summary>Creates a hard link; throws <see cref="CrossDeviceLinkException"/> on EXDEV.</summary>
    public static void Link(string existing, string newPath)
    {
        if (LinkCall(CString(existing), CString(newPath)) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == EXDEV) throw new CrossDeviceLinkException(existing, newPath);
        throw new IOException($"link('{existing}', '{newPath}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>rename(2): atomically replaces <paramref name="to"/> (file or symlink) on the same filesystem.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameCall(CString(from), CString(to)) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        throw new IOException($"rename('{from}', '{to}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    private static FileStatus? StatCore(string path, int flags)
    {
        if (StatxCall(AtFdCwd, CString(path), flags, StatxBuffer.BasicStats, out var buffer) == 0)
            return buffer.ToFileStatus();
        int errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or ENOTDIR) return null;
        throw new IOException($"statx('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    private static byte[] CString(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
