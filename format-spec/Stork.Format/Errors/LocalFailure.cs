namespace Stork.Format.Errors;

/// <summary>What a local I/O failure means, in words an operator can act on (disk full, read-only, permission).</summary>
public static class LocalFailure
{
    // errno values (Linux) carried in IOException.HResult by .NET on Unix for some failures.
    private const int ENOSPC = 28, EROFS = 30, EDQUOT = 122, EACCES = 13, EPERM = 1;

    public static string Describe(Exception e)
    {
        var message = e.Message;
        if (IsDiskFull(e)) return $"the disk is full (free space and retry): {message}";
        if (IsReadOnly(e)) return $"the filesystem is read-only: {message}";
        if (e is UnauthorizedAccessException) return $"permission denied: {message}";
        return message;
    }

    public static bool IsDiskFull(Exception e)
        => e.HResult is ENOSPC or EDQUOT || e.Message.Contains("No space left on device", StringComparison.Ordinal)
           || e.Message.Contains("Disk quota exceeded", StringComparison.Ordinal);

    public static bool IsReadOnly(Exception e)
        => e.HResult == EROFS || e.Message.Contains("Read-only file system", StringComparison.Ordinal);

    /// <summary>True when the filesystem holding <paramref name="path"/> has (almost) no space left for us.</summary>
    public static bool IsFullAt(string path)
    {
        try { return new DriveInfo(ExistingFolderOf(path)).AvailableFreeSpace < 64 * 1024; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return false; }
    }

    /// <summary>True when the folder holding <paramref name="path"/> is on a read-only filesystem (probed by creating a file).</summary>
    public static bool IsReadOnlyAt(string path)
    {
        var probe = Path.Combine(ExistingFolderOf(path), $".stork-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return false;
        }
        catch (IOException e) { return IsReadOnly(e); }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static string ExistingFolderOf(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        while (!Directory.Exists(dir)) dir = Path.GetDirectoryName(dir) ?? "/";
        return dir;
    }

    public static bool IsPermission(Exception e)
        => e is UnauthorizedAccessException || e.HResult is EACCES or EPERM;
}
