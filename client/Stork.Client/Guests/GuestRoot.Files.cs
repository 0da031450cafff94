using Stork.Format.Errors;
using Stork.Format.Crypto;
using Microsoft.Win32.SafeHandles;
using Stork.Client.Store;
using static Stork.Client.Guests.GuestSyscalls;

namespace Stork.Client.Guests;

/// <summary>
/// The guest file operations. Each resolves the parent directory inside the root afresh and acts on the final name
/// relative to that descriptor without following it. Creation is exclusive (O_EXCL, linkat/symlinkat/mkdirat fail on
/// EEXIST); modes are set with fchmod on a descriptor opened O_NOFOLLOW; files that must be regular are opened
/// O_NONBLOCK|O_NOFOLLOW and fstat'ed before use, so a FIFO, device or socket is a conflict, never a hang.
/// </summary>
public sealed partial class GuestRoot
{
    /// <summary>lstat inside the guest; null when the path or one of its parents does not exist (or is not a directory).</summary>
    public FileStatus? LStat(string relative)
    {
        var parent = TryOpenParent(relative, out var name, out int errno);
        if (parent is null)
        {
            if (errno is ENOENT or ENOTDIR or ELOOP) return null;
            throw ParentProblem(relative, errno);
        }
        using (parent)
        {
            errno = GuestSyscalls.Stat(parent, name, out var status);
            if (errno == 0) return status;
            if (errno is ENOENT or ENOTDIR) return null;
            throw Failed("stat", relative, errno);
        }
    }

    /// <summary>True when the path resolves (following symlinks inside the guest) to a directory.</summary>
    public bool IsDirectory(string relative)
    {
        int errno = OpenDirectory(relative, out var handle);
        handle?.Dispose();
        return errno == 0;
    }

    /// <summary>The target of a symlink, or null when the path is not one.</summary>
    public string? ReadLink(string relative)
    {
        var parent = TryOpenParent(relative, out var name, out _);
        if (parent is null) return null;
        using (parent)
            return GuestSyscalls.ReadLink(parent, name, out var target) == 0 ? target : null;
    }

    /// <summary>
    /// Opens a file that must be regular, for reading: never through a final symlink, never blocking on a FIFO or
    /// device. Anything else in its place is a <see cref="GuestConflictException"/>.
    /// </summary>
    public SafeFileHandle OpenRegularForRead(string relative, out FileStatus status)
    {
        using var parent = OpenParent(relative, out var name);
        int errno = Openat(parent, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY, 0, out var handle);
        if (errno == ELOOP) throw NotRegular(relative, "a symlink");
        if (errno != 0) throw Failed("open", relative, errno);
        errno = GuestSyscalls.Stat(handle!, "", out status);
        if (errno != 0) { handle!.Dispose(); throw Failed("fstat", relative, errno); }
        if (!status.IsRegularFile)
        {
            handle!.Dispose();
            throw NotRegular(relative, KindOf(status));
        }
        return handle!;
    }

    public string Sha256(string relative)
    {
        using var handle = OpenRegularForRead(relative, out _);
        return Sha256Of(handle);
    }

    // pread in 128 KiB blocks: SHA256.HashData(Stream) reads 4 KiB at a time (adopt hashes ~156 MiB per guest).
    private static string Sha256Of(SafeFileHandle handle)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            long offset = 0;
            int n;
            while ((n = RandomAccess.Read(handle, buffer, offset)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                offset += n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>mkdirat, then the mode through an O_NOFOLLOW descriptor. A directory already there is fine.</summary>
    public void CreateDirectory(string relative, int mode, GuestOwner? owner = null)
    {
        NotWhileCaching();
        using var parent = OpenParent(relative, out var name);
        int errno = Mkdir(parent, name, 0x1C0 /* 0700 */);
        if (errno is not (0 or EEXIST)) throw Failed("mkdir", relative, errno);
        SetDirectoryMode(parent, name, relative, mode, owner);
    }

    public void SetDirectoryMode(string relative, int mode)
    {
        NotWhileCaching();
        using var parent = OpenParent(relative, out var name);
        SetDirectoryMode(parent, name, relative, mode, null);
    }

    private void SetDirectoryMode(SafeFileHandle parent, string name, string relative, int mode, GuestOwner? owner)
    {
        int errno = Openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK, 0, out var dir);
        if (errno is ENOTDIR or ELOOP) throw new GuestConflictException(Name, relative, $"guest '{Name}': '/{relative}' is not a directory; nothing further was changed");
        if (errno != 0) throw Failed("open", relative, errno);
        using (dir)
        {
            if (owner is { } o && (errno = Fchown(dir!, o.Uid, o.Gid)) != 0) throw Failed("chown", relative, errno);
            errno = Fchmod(dir!, mode);
            if (errno != 0) throw Failed("chmod", relative, errno);
        }
    }

    /// <summary>rmdir inside the guest; false when missing, not empty, or not a directory.</summary>
    public bool TryRemoveDirectory(string relative)
    {
        NotWhileCaching();
        var parent = TryOpenParent(relative, out var name, out _);
        if (parent is null) return false;
        using (parent) return GuestSyscalls.Unlink(parent, name, directory: true) == 0;
    }

    /// <summary>unlinkat of a file or symlink (never a directory); returns 0 or the errno (ENOENT when already gone).</summary>
    public int TryUnlink(string relative)
    {
        NotWhileCaching();
        var parent = TryOpenParent(relative, out var name, out int errno);
        if (parent is null) return errno;
        using (parent) return GuestSyscalls.Unlink(parent, name, directory: false);
    }

    /// <summary>Hard-links a store file at a new name; EEXIST is never replaced. EXDEV is a <see cref="CrossDeviceLinkException"/>.</summary>
    public int TryLinkFromStore(string storeFile, string relative)
    {
        NotWhileCaching();
        using var parent = OpenParent(relative, out var name);
        int errno = LinkFromHost(storeFile, parent, name);
        if (errno == EXDEV) throw new CrossDeviceLinkException(storeFile, Path.Combine(HostPath, relative));
        return errno;
    }

    /// <summary>Copies a store file to a new name (O_CREAT|O_EXCL|O_NOFOLLOW) and sets its mode on the descriptor.</summary>
    public void CopyFromStore(string storeFile, string relative, int mode, GuestOwner? owner = null)
    {
        using var target = CreateExclusive(relative, mode, owner);
        using var source = File.OpenHandle(storeFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using (var input = new FileStream(source, FileAccess.Read, 0))
        using (var output = new FileStream(target, FileAccess.Write, 0))
            input.CopyTo(output, 1 << 16);
    }

    /// <summary>Reflinks a store file to a new name; returns 0 or the FICLONE errno (the new name is removed then).</summary>
    public int TryReflinkFromStore(string storeFile, string relative, int mode)
    {
        NotWhileCaching();
        using var source = File.OpenHandle(storeFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int errno;
        using (var target = CreateExclusive(relative, mode)) errno = Reflink(source, target);
        if (errno != 0) TryUnlink(relative);
        return errno;
    }

    public void CreateEmpty(string relative, int mode, GuestOwner? owner = null) => CreateExclusive(relative, mode, owner).Dispose();

    // The owner is set before the mode: chown clears setuid/setgid bits, so fchmod comes last.
    private SafeFileHandle CreateExclusive(string relative, int mode, GuestOwner? owner = null)
    {
        NotWhileCaching();
        using var parent = OpenParent(relative, out var name);
        int errno = Openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0x180 /* 0600 */, out var handle);
        if (errno == EEXIST) throw Planted(relative);
        if (errno != 0) throw Failed("create", relative, errno);
        if (owner is { } o && (errno = Fchown(handle!, o.Uid, o.Gid)) != 0) { handle!.Dispose(); throw Failed("chown", relative, errno); }
        errno = Fchmod(handle!, mode);
        if (errno != 0) { handle!.Dispose(); throw Failed("chmod", relative, errno); }
        return handle!;
    }

    public void CreateSymlink(string target, string relative)
    {
        NotWhileCaching();
        using var parent = OpenParent(relative, out var name);
        int errno = GuestSyscalls.Symlink(target, parent, name);
        if (errno == EEXIST) throw Planted(relative);
        if (errno != 0) throw Failed("symlink", relative, errno);
    }

    /// <summary>renameat2 between two names of one directory; returns 0 or the errno.</summary>
    public int TryRename(string fromRelative, string toRelative, uint flags = 0)
    {
        NotWhileCaching();
        var (fromDir, fromName) = Split(fromRelative);
        var (toDir, toName) = Split(toRelative);
        if (fromDir != toDir) throw new ArgumentException("renames stay within one directory");
        using var parent = OpenParent(toRelative, out _);
        return GuestSyscalls.Rename(parent, fromName, toName, flags);
    }

    internal GuestConflictException Planted(string relative) => new(Name, relative,
        $"guest '{Name}': something appeared at Stork's new, randomly named '/{relative}' while it was being created (a process in the guest?); nothing further was changed");

    internal GuestConflictException NotRegular(string relative, string what) => new(Name, relative,
        $"guest '{Name}': '/{relative}' is {what} where a regular file was expected; nothing further was changed");

    internal GuestException Failed(string operation, string relative, int errno) => errno switch
    {
        ENOTDIR or ELOOP or EISDIR or ENOTEMPTY or EEXIST => new GuestConflictException(Name, relative,
            $"guest '{Name}': {operation} '/{relative}' failed: {Describe(errno)} (changed by a process in the guest?); nothing further was changed"),
        EPERM => new GuestConflictException(Name, relative,
            $"guest '{Name}': {operation} '/{relative}' was refused: the guest's file is immutable or append-only (chattr -i inside the guest); nothing further was changed"),
        _ => new GuestException($"guest '{Name}': {operation} '/{relative}' failed: {Describe(errno)}"),
    };

    internal static string KindOf(FileStatus status) => (status.Mode & 0xF000) switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        0x4000 => "a directory",
        0xA000 => "a symlink",
        _ => "not a regular file",
    };
}
