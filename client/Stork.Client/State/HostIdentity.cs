using System.Text.RegularExpressions;
using Stork.Client.Locking;
using Stork.Format.Errors;

namespace Stork.Client.State;

/// <summary>
/// The state database and the store know each other: a random host id is recorded in both (the <c>host</c> table
/// and <c>STATE/store/host-id</c>). A database that is missing while the store has content, empty, damaged or
/// carrying another host's id is refused with a local error, and nothing is changed (see HOST-STATE.md).
/// </summary>
public static partial class HostIdentity
{
    public static string StoreIdPath(HostPaths paths) => Path.Combine(paths.StateDir, "store", "host-id");

    /// <summary>The guests' names and roots, kept beside the database so that a lost database can be rebuilt.</summary>
    public static string GuestRootsPath(string stateDir) => Path.Combine(stateDir, "guest-roots.json");

    public static string NewId() => Guid.NewGuid().ToString("N");

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();

    /// <summary>The store's host id, or null when the store has none yet.</summary>
    public static string? ReadStoreId(HostPaths paths)
    {
        var path = StoreIdPath(paths);
        string text;
        try { text = File.ReadAllText(path).Trim(); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LocalException($"cannot read the store's host id {path}: {LocalFailure.Describe(e)}", e);
        }
        if (!IdPattern().IsMatch(text))
            throw new LocalException($"the store's host id {path} is damaged (expected 32 hex digits); nothing was changed. See 'Host identity' in format-spec/HOST-STATE.md");
        return text;
    }

    public static void WriteStoreId(HostPaths paths, string id)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StoreIdPath(paths))!);
        AtomicFile.WriteText(StoreIdPath(paths), id + "\n");
    }

    /// <summary>True when the store holds content files (its temp folder does not count).</summary>
    public static bool StoreHoldsContent(HostPaths paths)
    {
        if (!Directory.Exists(paths.FilesDir)) return false;
        foreach (var dir in Directory.EnumerateDirectories(paths.FilesDir))
            if (Path.GetFileName(dir) != "tmp" && Directory.EnumerateFileSystemEntries(dir).Any()) return true;
        return false;
    }

    /// <summary>
    /// Reads the SQLite header (100 bytes) before SQLite touches the file: a wrong magic string or a file shorter
    /// than the page count its header vouches for (the header's version-valid-for equals its change counter) is
    /// damage SQLite itself may notice only when it reads the missing page. Checked only without a WAL file, whose
    /// pages may legitimately extend the database.
    /// </summary>
    internal static string? HeaderProblem(string databasePath)
    {
        if (File.Exists(databasePath + "-wal")) return null;
        var header = new byte[100];
        long length;
        using (var stream = new FileStream(databasePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            length = stream.Length;
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return $"is truncated ({length} bytes, not even a header)";
        }
        if (!header.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8)) return "is damaged (not an SQLite database: bad header)";
        int pageSize = header[16] << 8 | header[17];
        if (pageSize == 1) pageSize = 65536;
        uint BigEndian(int at) => (uint)(header[at] << 24 | header[at + 1] << 16 | header[at + 2] << 8 | header[at + 3]);
        long pages = BigEndian(28);
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0) return "is damaged (bad page size in its header)";
        if (BigEndian(92) == BigEndian(24) && pages * pageSize > length)
            return $"is damaged: truncated to {length} bytes, its header says {pages * pageSize}";
        return null;
    }

    public static LocalException Refused(HostPaths paths, string what, Exception? inner = null) => new(
        $"the host state database {paths.Database} {what}; nothing was changed. Restore it from a backup, or rebuild it from " +
        "the guests with 'stork-get recover --rebuild' (format-spec/HOST-STATE.md)", inner);

    internal static void RequireNoStoreWithoutDatabase(HostPaths paths, string? storeId)
    {
        if (storeId is not null)
            throw Refused(paths, $"is missing, but the store {Path.GetDirectoryName(paths.FilesDir)} belongs to host {storeId}");
        if (StoreHoldsContent(paths))
            throw Refused(paths, $"is missing, but the store {paths.FilesDir} holds files");
    }

    /// <summary>
    /// A fresh host: the database is built under a temporary name and renamed into place, then the store gets the
    /// same id. A crash in between leaves a database whose id the store adopts on the next open.
    /// </summary>
    internal static void CreateFresh(HostPaths paths)
    {
        Directory.CreateDirectory(paths.StateDir);
        using var _ = FileLock.Acquire(Path.Combine(paths.LocksDir, "host-identity.lock"), "the host identity", null);
        if (File.Exists(paths.Database)) return; // another process created it while we waited
        RequireNoStoreWithoutDatabase(paths, ReadStoreId(paths));
        // A WAL or shared-memory file without its database is stale; replaying it into the new one would corrupt it.
        foreach (var suffix in new[] { "-wal", "-shm" }) File.Delete(paths.Database + suffix);
        var id = NewId();
        InstallNew(paths, id, _ => { });
        WriteStoreId(paths, id);
    }

    /// <summary>Builds a database under a temporary name (with <paramref name="fill"/>) and renames it to state.db.</summary>
    internal static void InstallNew(HostPaths paths, string id, Action<HostDatabase> fill)
    {
        var temp = AtomicFile.TempNameFor(paths.Database);
        try
        {
            using (var database = HostDatabase.CreateNew(temp, id)) fill(database);
            File.Move(temp, paths.Database, overwrite: true);
        }
        finally
        {
            foreach (var leftover in new[] { temp, temp + "-wal", temp + "-shm", temp + "-journal" })
                try { File.Delete(leftover); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
