using Stork.Format.Errors;

namespace Stork.Client.Locking;

/// <summary>
/// A lock file that cannot be opened because of the filesystem (read-only, full, permissions, missing folder) is
/// a local error at once; only a lock held by another process is worth waiting for.
/// </summary>
internal static class LockFileFailure
{
    public static bool IsLocal(Exception e)
        => e is UnauthorizedAccessException or DirectoryNotFoundException
           || (e is IOException && (LocalFailure.IsReadOnly(e) || LocalFailure.IsDiskFull(e)));

    public static LocalException Wrap(Exception e, string path, string what)
        => new($"cannot take the lock on {what} ({path}): {LocalFailure.Describe(e)}", e);
}
