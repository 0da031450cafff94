using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Stork.Client.Store;

/// <summary>
/// More libc calls: unlink with errno, flock (shared/exclusive), the inode-flags ioctls (FS_IMMUTABLE_FL, as
/// chattr +i) and FICLONE (reflinks). Blittable DllImports only, so NativeAOT needs no marshalling stubs.
/// </summary>
public static class NativeFs
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EXDEV = 18;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EOPNOTSUPP = 95;

    private const nuint FS_IOC_GETFLAGS = 0x80086601;
    private const nuint FS_IOC_SETFLAGS = 0x40086602;
    private const nuint FICLONE = 0x40049409;
    public const int FS_IMMUTABLE_FL = 0x10;

    private const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    private static extern int UnlinkCall(byte[] path);

    [DllImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    private static extern int RmdirCall(byte[] path);

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncfsCall(int fd);

    /// <summary>syncfs(2) on the filesystem holding <paramref name="path"/>: its written data reaches the disk.</summary>
    public static void SyncFileSystemOf(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (SyncfsCall((int)handle.DangerousGetHandle()) != 0)
            throw new IOException($"syncfs('{path}') failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRangeCall(int fd, long offset, long count, uint flags);

    private const uint SYNC_FILE_RANGE_WRITE = 2;

    /// <summary>
    /// Starts writing a file's dirty pages to disk without waiting (sync_file_range WRITE), so that a later fsync or
    /// syncfs finds little left to do. Best effort: errors are ignored, the later flush reports real ones.
    /// </summary>
    public static void StartWriteback(SafeFileHandle handle) =>
        _ = SyncFileRangeCall((int)handle.DangerousGetHandle(), 0, 0, SYNC_FILE_RANGE_WRITE);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int FlockCall(int fd, int operation);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int IoctlRef(int fd, nuint request, ref int argument);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int IoctlValue(int fd, nuint request, nint argument);

    /// <summary>unlink(2); returns 0 or the errno (ENOENT is success-like for callers that do not care).</summary>
    public static int TryUnlink(string path) => UnlinkCall(CString(path)) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void Unlink(string path)
    {
        int errno = TryUnlink(path);
        if (errno is 0 or ENOENT) return;
        throw new IOException($"unlink('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>rmdir(2); false when the directory is missing or not empty.</summary>
    public static bool TryRmdir(string path) => RmdirCall(CString(path)) == 0;

    /// <summary>Blocking-free flock attempt: true when taken.</summary>
    public static bool TryFlock(SafeFileHandle handle, bool exclusive)
    {
        int fd = (int)handle.DangerousGetHandle();
        if (FlockCall(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == 11 /* EWOULDBLOCK */ || errno == 4 /* EINTR */) return false;
        throw new IOException($"flock failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Reads the inode flags of a regular file or directory; null where the filesystem has none.</summary>
    public static int? GetFlags(string path)
    {
        if (OpenWithFlags(path) is not var (handle, flags)) return null;
        handle.Dispose();
        return flags;
    }

    /// <summary>Sets or clears FS_IMMUTABLE_FL (needs CAP_LINUX_IMMUTABLE). Returns false where unsupported.</summary>
    public static bool SetImmutable(string path, bool immutable)
    {
        if (OpenWithFlags(path) is not var (handle, flags)) return false;
        using (handle)
        {
            int wanted = immutable ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
            if (wanted == flags) return true;
            int errno = TrySetFlags(handle, wanted);
            if (errno == 0) return true;
            if (errno is ENOTTY or EOPNOTSUPP or EINVAL) return false;
            throw new IOException($"FS_IOC_SETFLAGS('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    /// <summary>Opens a file (never through a symlink) and reads its inode flags; null when missing or the filesystem has none.</summary>
    public static (SafeFileHandle Handle, int Flags)? OpenWithFlags(string path)
    {
        var handle = OpenForFlags(path);
        if (handle is null) return null;
        int flags = 0;
        if (IoctlRef((int)handle.DangerousGetHandle(), FS_IOC_GETFLAGS, ref flags) == 0) return (handle, flags);
        int errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        if (errno is ENOTTY or EOPNOTSUPP or EINVAL) return null;
        throw new IOException($"FS_IOC_GETFLAGS('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>FS_IOC_SETFLAGS; returns 0 or the errno.</summary>
    private static int TrySetFlags(SafeFileHandle handle, int flags)
        => IoctlRef((int)handle.DangerousGetHandle(), FS_IOC_SETFLAGS, ref flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>FS_IOC_SETFLAGS through an open descriptor (the value must come from <see cref="OpenWithFlags"/>).</summary>
    public static void SetFlags(SafeFileHandle handle, int flags)
    {
        int errno = TrySetFlags(handle, flags);
        if (errno != 0) throw new IOException($"FS_IOC_SETFLAGS failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Opens an inode for flag changes that outlive its name (e.g. re-flag after unlinking one of its links).</summary>
    public static SafeFileHandle? OpenInode(string path) => OpenForFlags(path);

    /// <summary>Sets or clears FS_IMMUTABLE_FL through an open handle (silently nothing where the filesystem has no flags).</summary>
    public static void SetImmutable(SafeFileHandle handle, bool immutable)
    {
        int flags = 0;
        if (IoctlRef((int)handle.DangerousGetHandle(), FS_IOC_GETFLAGS, ref flags) != 0) return;
        int wanted = immutable ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        if (wanted != flags) SetFlags(handle, wanted);
    }

    public static bool IsImmutable(string path) => GetFlags(path) is { } f && (f & FS_IMMUTABLE_FL) != 0;

    /// <summary>Makes <paramref name="destination"/> (a new, empty file) share <paramref name="source"/>'s blocks. Returns the errno (0 = done).</summary>
    public static int TryReflink(string source, string destination)
    {
        using var from = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var to = File.OpenHandle(destination, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        if (IoctlValue((int)to.DangerousGetHandle(), FICLONE, from.DangerousGetHandle()) == 0) return 0;
        return Marshal.GetLastPInvokeError();
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenCall(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenCreateCall(byte[] path, int flags, int mode);

    private const int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0x40, O_NONBLOCK = 0x800, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const int LOCK_UN = 8, EINTR = 4;

    /// <summary>
    /// Opens (creating) a host-owned lock file with plain open(2): File.OpenHandle would take .NET's own non-blocking
    /// flock, which fails while another process holds the lock instead of waiting for it.
    /// </summary>
    public static SafeFileHandle OpenLockFile(string path)
    {
        int fd = OpenCreateCall(CString(path), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0x180 /* 0600 */);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        throw new IOException($"open('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Blocking exclusive flock; only for host-owned lock files that host processes hold for microseconds.</summary>
    public static void LockExclusive(SafeFileHandle handle)
    {
        while (FlockCall((int)handle.DangerousGetHandle(), LOCK_EX) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) throw new IOException($"flock failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    public static void Unlock(SafeFileHandle handle) => _ = FlockCall((int)handle.DangerousGetHandle(), LOCK_UN);
    private const int ENOTDIR = 20, ELOOP = 40;

    /// <summary>
    /// open(2) read-only for ioctls. Not File.OpenHandle: that adds an fstat and an advisory flock per open (its
    /// FileShare emulation), which doubled the syscalls of flagging a guest's worth of store files.
    /// A symlink is never followed (null, like a missing path): flags belong to the file named, not a link target.
    /// </summary>
    private static SafeFileHandle? OpenForFlags(string path)
    {
        int fd = OpenCall(CString(path), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or ENOTDIR or ELOOP) return null;
        throw new IOException($"open('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    private static byte[] CString(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
