using Stork.Client.Locking;
using Stork.Client.State;

namespace Stork.Client.Store;

/// <summary>
/// Keeps store files immutable (FS_IMMUTABLE_FL, like chattr +i) when enabled, so not even root inside a guest
/// can write to a shared file through its hard link. The kernel then also refuses link(2), rename(2) and
/// unlink(2) of such an inode, so every operation of ours on a shared inode goes through <see cref="Run"/>:
/// on EPERM it takes the host-wide flags lock, clears the flag on the inodes involved, retries, and sets it again.
/// A crash inside that window leaves one inode mutable; <c>stork-get verify</c>/<c>repair</c>/<c>gc</c> set it back.
/// </summary>
public sealed class StoreGuard(HostPaths paths)
{
    public bool Immutable => paths.ImmutableStore;

    private string FlagsLock => Path.Combine(paths.LocksDir, "store-flags.lock");

    /// <summary>Marks a store file immutable (no-op when disabled or unsupported).</summary>
    public void Protect(string storeFile)
    {
        if (Immutable) NativeFs.SetImmutable(storeFile, true);
    }

    // Set while this process holds the flags lock (a lock file cannot be taken twice by one process).
    private static int _held;

    // Lifted files keep an open descriptor until the flag is set again: two ioctls per file and no second path
    // lookup. Past this many, the rest are handled by path, so a huge plan cannot exhaust the descriptor limit.
    private const int MaxHeldDescriptors = 4096;

    /// <summary>
    /// Lifts the flag from many store files at once (one lock, one pass) for a batch of links and renames, and sets
    /// it again on dispose. Operations on other inodes still go through <see cref="Run"/>.
    /// </summary>
    public IDisposable Lift(IEnumerable<string> storeFiles)
    {
        if (!Immutable || Volatile.Read(ref _held) > 0) return new Lifted(null, [], []);
        var flagsLock = FileLock.AcquireAsync(FlagsLock, "store flags", null, CancellationToken.None).GetAwaiter().GetResult();
        Interlocked.Increment(ref _held);
        var held = new List<(Microsoft.Win32.SafeHandles.SafeFileHandle Handle, int Flags)>();
        var byPath = new List<string>();
        try
        {
            // Every present file is flagged again afterwards, including any a crash had left mutable.
            foreach (var path in storeFiles.Distinct(StringComparer.Ordinal))
            {
                if (held.Count < MaxHeldDescriptors)
                {
                    if (NativeFs.OpenWithFlags(path) is not var (handle, flags)) continue; // gone, or no inode flags here
                    held.Add((handle, flags | NativeFs.FS_IMMUTABLE_FL));
                    if ((flags & NativeFs.FS_IMMUTABLE_FL) != 0) NativeFs.SetFlags(handle, flags & ~NativeFs.FS_IMMUTABLE_FL);
                }
                else if (Native.LStat(path) is { IsRegularFile: true } status)
                {
                    if (status.IsImmutable) NativeFs.SetImmutable(path, false);
                    byPath.Add(path);
                }
            }
        }
        catch
        {
            new Lifted(flagsLock, held, byPath).Dispose();
            throw;
        }
        return new Lifted(flagsLock, held, byPath);
    }

    private sealed class Lifted(FileLock? flagsLock, List<(Microsoft.Win32.SafeHandles.SafeFileHandle Handle, int Flags)> held, List<string> byPath) : IDisposable
    {
        public void Dispose()
        {
            if (flagsLock is null) return;
            try
            {
                foreach (var (handle, flags) in held)
                    NativeFs.SetFlags(handle, flags); // through the descriptor: right even if a rename moved the name
                foreach (var path in byPath)
                    NativeFs.SetImmutable(path, true); // a store file is regular or, if gc raced us, gone (then a no-op)
            }
            finally
            {
                foreach (var (handle, _) in held) handle.Dispose();
                Interlocked.Decrement(ref _held);
                flagsLock.Dispose();
            }
        }
    }

    /// <summary>Runs a file operation; if the kernel refuses it because an inode is immutable, retries with the flag lifted.</summary>
    public void Run(Action operation, params string[] inodes)
    {
        try
        {
            operation();
            return;
        }
        catch (Exception e) when (IsPermissionError(e))
        {
            if (!Immutable && !inodes.Any(IsImmutableFile)) throw;
        }
        bool nested = Volatile.Read(ref _held) > 0;
        using var _ = nested ? null : FileLock.AcquireAsync(FlagsLock, "store flags", null, CancellationToken.None).GetAwaiter().GetResult();
        var cleared = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        try
        {
            // Through open handles, so the flag is set again even on an inode whose path the operation removed.
            foreach (var path in inodes)
                if (IsImmutableFile(path) && NativeFs.OpenInode(path) is { } handle)
                {
                    cleared.Add(handle);
                    NativeFs.SetImmutable(handle, false);
                }
            operation();
        }
        finally
        {
            foreach (var handle in cleared)
            {
                NativeFs.SetImmutable(handle, true);
                handle.Dispose();
            }
        }
    }

    public void Unlink(string path) => Run(() => NativeFs.Unlink(path), path);

    private static bool IsImmutableFile(string path) =>
        Native.LStat(path) is { IsRegularFile: true, IsImmutable: true };

    private static bool IsPermissionError(Exception e) =>
        e is UnauthorizedAccessException || e is IOException { HResult: NativeFs.EPERM };
}
