using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stork.Client.Store;

namespace Stork.Client.Guests;

/// <summary>
/// The *at system calls guest files are changed with, always relative to a directory descriptor (see
/// <see cref="GuestRoot"/>). Plain DllImports with blittable arguments (UTF-8 byte arrays, ints, one struct by ref),
/// so NativeAOT needs no marshalling stubs. Every method returns 0 or an errno; callers decide what it means.
/// </summary>
internal static class GuestSyscalls
{
    public const int ENOENT = 2, EINTR = 4, EAGAIN = 11, EACCES = 13, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21,
        EINVAL = 22, ENOSPC = 28, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EPERM = 1, E2BIG = 7, EOPNOTSUPP = 95;

    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100, O_NONBLOCK = 0x800,
        O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    // These two differ between architectures (asm-generic vs arm).
    public static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;
    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_IN_ROOT = 0x10;

    private const long SysOpenat2 = 437; // the same number on every architecture
    private static readonly long SysRenameat2 = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 316 : 276;
    private static readonly long SysGetdents64 = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 217 : 61;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallOpenat2(long number, int dirFd, byte[] path, ref OpenHow how, nuint size);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallRenameat2(long number, int oldDirFd, byte[] oldPath, int newDirFd, byte[] newPath, uint flags);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SyscallGetdents64(long number, int dirFd, byte[] buffer, nuint count);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static extern int OpenatCall(int dirFd, byte[] path, int flags, int mode);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxCall(int dirFd, byte[] path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static extern nint ReadlinkatCall(int dirFd, byte[] path, byte[] buffer, nuint size);

    [DllImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static extern int MkdiratCall(int dirFd, byte[] path, int mode);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static extern int UnlinkatCall(int dirFd, byte[] path, int flags);

    [DllImport("libc", EntryPoint = "linkat", SetLastError = true)]
    private static extern int LinkatCall(int oldDirFd, byte[] oldPath, int newDirFd, byte[] newPath, int flags);

    [DllImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    private static extern int SymlinkatCall(byte[] target, int newDirFd, byte[] linkPath);

    [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static extern int FchmodCall(int fd, int mode);

    [DllImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static extern int FchownCall(int fd, uint owner, uint group);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int FcntlCall(int fd, int command, nint argument);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int IoctlValue(int fd, nuint request, nint argument);

    private static int Errno() => Marshal.GetLastPInvokeError();

    public static byte[] CString(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static SafeFileHandle? Wrap(long fd) => fd >= 0 ? new SafeFileHandle((nint)fd, ownsHandle: true) : null;

    /// <summary>openat2(2); ENOSYS on kernels before 5.6. EAGAIN (a rename raced a ".." lookup) is retried here.</summary>
    public static int Openat2(SafeFileHandle dir, string path, int flags, ulong resolve, out SafeFileHandle? handle)
    {
        var how = new OpenHow { Flags = (ulong)flags, Mode = 0, Resolve = resolve };
        var bytes = CString(path);
        for (int attempt = 0; ; attempt++)
        {
            handle = Wrap(SyscallOpenat2(SysOpenat2, Fd(dir), bytes, ref how, (nuint)Marshal.SizeOf<OpenHow>()));
            if (handle is not null) return 0;
            int errno = Errno();
            if (errno is EAGAIN or EINTR && attempt < 64) continue;
            return errno;
        }
    }

    public static int Openat(SafeFileHandle? dir, string path, int flags, int mode, out SafeFileHandle? handle)
    {
        var bytes = CString(path);
        while (true)
        {
            handle = Wrap(OpenatCall(dir is null ? AT_FDCWD : Fd(dir), bytes, flags | O_CLOEXEC, mode));
            if (handle is not null) return 0;
            int errno = Errno();
            if (errno != EINTR) return errno;
        }
    }

    /// <summary>statx of a name in a directory (never following it), or of the descriptor itself when name is "".</summary>
    public static int Stat(SafeFileHandle dir, string name, out FileStatus status)
    {
        status = default;
        int flags = AT_SYMLINK_NOFOLLOW | (name.Length == 0 ? AT_EMPTY_PATH : 0);
        if (StatxCall(Fd(dir), CString(name), flags, StatxBuffer.BasicStats, out var b) != 0) return Errno();
        status = b.ToFileStatus();
        return 0;
    }

    public static int ReadLink(SafeFileHandle dir, string name, out string? target)
    {
        target = null;
        var buffer = new byte[4096];
        var length = ReadlinkatCall(Fd(dir), CString(name), buffer, (nuint)buffer.Length);
        if (length < 0) return Errno();
        if (length >= buffer.Length) return E2BIG;
        target = Encoding.UTF8.GetString(buffer, 0, (int)length);
        return 0;
    }

    /// <summary>
    /// Every name in a directory opened O_RDONLY|O_DIRECTORY (getdents64), without "." and "..", as the raw
    /// NUL-terminated bytes (a guest's names need not be UTF-8; the *at calls below take them as they are). Stops
    /// with E2BIG past <paramref name="maxNames"/> names, so a directory a guest keeps filling cannot make it endless.
    /// </summary>
    public static int ReadDirectory(SafeFileHandle dir, int maxNames, List<byte[]> names)
    {
        var buffer = new byte[1 << 16];
        while (true)
        {
            long length = SyscallGetdents64(SysGetdents64, Fd(dir), buffer, (nuint)buffer.Length);
            if (length < 0)
            {
                int errno = Errno();
                if (errno == EINTR) continue;
                return errno;
            }
            if (length == 0) return 0;
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated).
            for (int offset = 0; offset < length;)
            {
                int reclen = BitConverter.ToUInt16(buffer, offset + 16);
                int start = offset + 19, end = Array.IndexOf(buffer, (byte)0, start, reclen - 19);
                if (end < 0) end = offset + reclen;
                offset += reclen;
                if (end - start is 1 && buffer[start] == '.' || end - start is 2 && buffer[start] == '.' && buffer[start + 1] == '.') continue;
                var name = new byte[end - start + 1];
                Array.Copy(buffer, start, name, 0, end - start);
                names.Add(name);
                if (names.Count > maxNames) return E2BIG;
            }
        }
    }

    /// <summary><see cref="Stat"/> of a raw (NUL-terminated) name from <see cref="ReadDirectory"/>.</summary>
    public static int StatRaw(SafeFileHandle dir, byte[] name, out FileStatus status)
    {
        status = default;
        if (StatxCall(Fd(dir), name, AT_SYMLINK_NOFOLLOW, StatxBuffer.BasicStats, out var b) != 0) return Errno();
        status = b.ToFileStatus();
        return 0;
    }

    public static int OpenatRaw(SafeFileHandle dir, byte[] name, int flags, out SafeFileHandle? handle)
    {
        while (true)
        {
            handle = Wrap(OpenatCall(Fd(dir), name, flags | O_CLOEXEC, 0));
            if (handle is not null) return 0;
            int errno = Errno();
            if (errno != EINTR) return errno;
        }
    }

    public static int UnlinkRaw(SafeFileHandle dir, byte[] name, bool directory) =>
        UnlinkatCall(Fd(dir), name, directory ? AT_REMOVEDIR : 0) == 0 ? 0 : Errno();

    public static int Mkdir(SafeFileHandle dir, string name, int mode) => MkdiratCall(Fd(dir), CString(name), mode) == 0 ? 0 : Errno();

    public static int Unlink(SafeFileHandle dir, string name, bool directory) =>
        UnlinkatCall(Fd(dir), CString(name), directory ? AT_REMOVEDIR : 0) == 0 ? 0 : Errno();

    /// <summary>linkat(2) from a host path (the store) to a name in a directory; fails with EEXIST rather than replace.</summary>
    public static int LinkFromHost(string existing, SafeFileHandle dir, string name) =>
        LinkatCall(AT_FDCWD, CString(existing), Fd(dir), CString(name), 0) == 0 ? 0 : Errno();

    public static int Symlink(string target, SafeFileHandle dir, string name) =>
        SymlinkatCall(CString(target), Fd(dir), CString(name)) == 0 ? 0 : Errno();

    /// <summary>renameat2(2) between two names of one directory (flags: RENAME_NOREPLACE, RENAME_EXCHANGE or 0).</summary>
    public static int Rename(SafeFileHandle dir, string from, string to, uint flags)
        => SyscallRenameat2(SysRenameat2, Fd(dir), CString(from), Fd(dir), CString(to), flags) == 0 ? 0 : Errno();

    public static int Fchmod(SafeFileHandle file, int mode) => FchmodCall(Fd(file), mode) == 0 ? 0 : Errno();

    public static int Fchown(SafeFileHandle file, uint owner, uint group) => FchownCall(Fd(file), owner, group) == 0 ? 0 : Errno();

    private const int F_SETLEASE = 1024, F_SETSIG = 10, F_RDLCK = 0, F_UNLCK = 2;
    private const int SIGURG = 23; // ignored by default: a lease break must not kill us (SIGIO would)

    /// <summary>
    /// Takes a read lease on a read-only descriptor. Fails with EAGAIN while anyone has the inode open for writing;
    /// while held, anyone opening it for writing waits until it is released.
    /// </summary>
    public static int TakeReadLease(SafeFileHandle file)
    {
        if (FcntlCall(Fd(file), F_SETSIG, SIGURG) != 0) return Errno();
        return FcntlCall(Fd(file), F_SETLEASE, F_RDLCK) == 0 ? 0 : Errno();
    }

    public static void ReleaseLease(SafeFileHandle file) => _ = FcntlCall(Fd(file), F_SETLEASE, F_UNLCK);

    private const int F_DUPFD = 0;

    /// <summary>
    /// A duplicate of <paramref name="file"/> without FD_CLOEXEC (F_DUPFD, number 3 or above), so a child process
    /// inherits it under the same number; the caller closes it once the child has started.
    /// </summary>
    public static int DuplicateInheritable(SafeFileHandle file, out SafeFileHandle? duplicate)
    {
        int fd = FcntlCall(Fd(file), F_DUPFD, 3);
        duplicate = fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null;
        return fd >= 0 ? 0 : Errno();
    }

    private const nuint FICLONE = 0x40049409;

    public static int Reflink(SafeFileHandle from, SafeFileHandle to) =>
        IoctlValue(Fd(to), FICLONE, from.DangerousGetHandle()) == 0 ? 0 : Errno();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
