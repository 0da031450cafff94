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
        using var _ = FileLock.AcquireAsync(FlagsLock, "store flags", null, CancellationToken.None).GetAwaiter().GetResult();
        var cleared = new List<string>();
        try
        {
            foreach (var path in inodes)
                if (IsImmutableFile(path) && NativeFs.SetImmutable(path, false)) cleared.Add(path);
            operation();
        }
        finally
        {
            foreach (var path in cleared)
                if (Native.LStat(path) is { IsRegularFile: true }) NativeFs.SetImmutable(path, true);
        }
    }

    public void Unlink(string path) => Run(() => NativeFs.Unlink(path), path);

    private static bool IsImmutableFile(string path) =>
        Native.LStat(path) is { IsRegularFile: true } && NativeFs.IsImmutable(path);

    private static bool IsPermissionError(Exception e) =>
        e is UnauthorizedAccessException || e is IOException { HResult: NativeFs.EPERM };
}
