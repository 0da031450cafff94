using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Stork.Client.State;
using Stork.Format.Errors;

namespace Stork.Client.Store;

/// <summary>
/// Keeps store files immutable (FS_IMMUTABLE_FL, like chattr +i) when enabled, so not even root inside a guest
/// can write to a shared file through its hard link. The kernel then also refuses link(2), rename(2) and
/// unlink(2) of such an inode, so each such operation lifts the flag from exactly the store inodes involved, for
/// exactly as long as that one system call runs (<see cref="RunLifted"/>), never for a whole transaction:
/// - store files are opened by their store path (host-owned directories), never through a guest path, and flags
///   are changed through those descriptors only;
/// - before lifting, a read lease is taken on the inode: it fails while anyone holds the inode open for writing
///   (the file is then refused, see <see cref="StoreFileBusyException"/>), and while it is held anyone opening
///   the inode for writing waits in open(2) until the flag is back, after which the kernel refuses every write;
/// - a crash inside a window leaves one inode mutable; verify/repair/gc/recover set it back and re-hash it.
/// </summary>
public sealed class StoreGuard(HostPaths paths)
{
    public bool Immutable => paths.ImmutableStore;

    /// <summary>Marks a store file immutable (no-op when disabled or unsupported).</summary>
    public void Protect(string storeFile)
    {
        if (Immutable) NativeFs.SetImmutable(storeFile, true);
    }

    /// <summary>Runs a file operation; if the kernel refuses it because an inode is immutable, retries with the store inodes lifted.</summary>
    public void Run(Action operation, params string?[] storeFiles)
    {
        try
        {
            operation();
            return;
        }
        catch (Exception e) when (IsPermissionError(e) && Immutable)
        {
        }
        RunLifted(operation, storeFiles);
    }

    private const int Attempts = 8;

    /// <summary>
    /// Runs <paramref name="operation"/> with FS_IMMUTABLE_FL cleared on each store file for the duration of the call
    /// only. Another process re-setting a flag we cleared makes the operation fail with EPERM: it is tried again.
    /// </summary>
    public void RunLifted(Action operation, params string?[] storeFiles)
    {
        if (!Immutable)
        {
            operation();
            return;
        }
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                RunLiftedOnce(operation, storeFiles);
                return;
            }
            catch (Exception e) when (IsPermissionError(e) && attempt < Attempts)
            {
            }
        }
    }

    // Lifts are serialized host-wide (one flock on a host-owned file, plus a monitor for this process's threads):
    // otherwise one process restores +i on an inode between another's lift and its link(2), which then fails with
    // EPERM. Sixteen concurrent installs of one package exhausted the retries that way. Windows last microseconds.
    private static readonly object LiftGate = new();
    private SafeFileHandle? _liftLock;

    private void RunLiftedOnce(Action operation, string?[] storeFiles)
    {
        lock (LiftGate)
        {
            if (_liftLock is null)
            {
                Directory.CreateDirectory(paths.LocksDir);
                _liftLock = NativeFs.OpenLockFile(Path.Combine(paths.LocksDir, "lift.lock"));
            }
            NativeFs.LockExclusive(_liftLock);
            try
            {
                RunLiftedLocked(operation, storeFiles);
            }
            finally
            {
                NativeFs.Unlock(_liftLock);
            }
        }
    }

    private static void RunLiftedLocked(Action operation, string?[] storeFiles)
    {
        var held = new List<(SafeFileHandle Handle, int Flags, bool Leased, string Path)>(storeFiles.Length);
        try
        {
            foreach (var path in storeFiles)
            {
                if (path is null || held.Exists(h => h.Path == path)) continue;
                if (NativeFs.OpenWithFlags(path) is not var (handle, flags)) continue; // gone, or no inode flags here
                int errno = TakeLease(handle);
                if (errno == Guests.GuestSyscalls.EAGAIN)
                {
                    handle.Dispose();
                    throw new StoreFileBusyException(path);
                }
                held.Add((handle, flags, errno == 0, path)); // no lease where the filesystem has none: the flag alone then
            }
            long start = Stopwatch.GetTimestamp();
            try
            {
                foreach (var (handle, flags, _, _) in held)
                    if ((flags & NativeFs.FS_IMMUTABLE_FL) != 0) NativeFs.SetFlags(handle, flags & ~NativeFs.FS_IMMUTABLE_FL);
                operation();
            }
            finally
            {
                // Through the descriptors: right even when the operation moved or removed the name.
                foreach (var (handle, flags, _, _) in held) NativeFs.SetFlags(handle, flags | NativeFs.FS_IMMUTABLE_FL);
                if (held.Count > 0) LiftWindows.Record(Stopwatch.GetElapsedTime(start));
            }
        }
        finally
        {
            foreach (var (handle, _, leased, _) in held)
            {
                if (leased) Guests.GuestSyscalls.ReleaseLease(handle);
                handle.Dispose();
            }
        }
    }

    // A process that opened the inode for writing while we held the lease got its descriptor after the flag was back:
    // every write through it fails, but it is still open. Wait a little for it to be closed before lifting again.
    private static readonly TimeSpan BusyWait = TimeSpan.FromSeconds(2);

    private static int TakeLease(SafeFileHandle handle)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int errno = Guests.GuestSyscalls.TakeReadLease(handle);
            if (errno != Guests.GuestSyscalls.EAGAIN || Stopwatch.GetElapsedTime(start) > BusyWait) return errno;
            Thread.Sleep(1);
        }
    }

    public void Unlink(string path) => Run(() => NativeFs.Unlink(path), path);

    private static bool IsPermissionError(Exception e) =>
        e is UnauthorizedAccessException || e is IOException { HResult: NativeFs.EPERM } || e is InodeImmutableException;
}

/// <summary>An operation on a guest name failed with EPERM (an immutable inode): <see cref="StoreGuard.Run"/> retries it lifted.</summary>
public sealed class InodeImmutableException(string message) : Exception(message);

/// <summary>A store file is held open for writing by some process (in a guest?): it is not lifted, nor shared further.</summary>
public sealed class StoreFileBusyException(string storeFile)
    : LocalException($"store file '{storeFile}' is open for writing by some process (a process in a guest sharing it?); it was not shared further. " +
        "Find the writer (fuser -v FILE), then run: stork-get verify; stork-get repair")
{
    public string StoreFile { get; } = storeFile;
}

/// <summary>How long store inodes were mutable (lift windows), for measurements and tests.</summary>
public static class LiftWindows
{
    private static long _count, _totalTicks, _maxTicks;

    public static long Count => Interlocked.Read(ref _count);
    public static TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _totalTicks));
    public static TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    internal static void Record(TimeSpan window)
    {
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _totalTicks, window.Ticks);
        long ticks = window.Ticks, seen;
        while (ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, seen) != seen) { }
    }

    public static void Reset()
    {
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _totalTicks, 0);
        Interlocked.Exchange(ref _maxTicks, 0);
    }
}
