using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>
/// The host's SQLite state: guests, packages installed per guest and which package owns which guest path.
/// The schema is created on open. All multi-row changes go through <see cref="Commit"/> in one transaction.
/// </summary>
public sealed partial class HostDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA foreign_keys = ON;
        CREATE TABLE IF NOT EXISTS guests (
            name      TEXT PRIMARY KEY,
            root      TEXT NOT NULL UNIQUE,
            link_mode TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS installed_packages (
            guest       TEXT NOT NULL REFERENCES guests(name) ON DELETE CASCADE,
            name        TEXT NOT NULL,
            version     TEXT NOT NULL,
            blob_sha256 TEXT NOT NULL,
            manual      INTEGER NOT NULL,
            PRIMARY KEY (guest, name)
        );
        CREATE TABLE IF NOT EXISTS owned_files (
            guest   TEXT NOT NULL,
            path    TEXT NOT NULL,
            package TEXT NOT NULL,
            type    TEXT NOT NULL,
            mode    TEXT,
            sha256  TEXT,
            size    INTEGER,
            target  TEXT,
            config  INTEGER NOT NULL,
            PRIMARY KEY (guest, path, package),
            FOREIGN KEY (guest, package) REFERENCES installed_packages(guest, name) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS owned_files_by_package ON owned_files(guest, package);
        """;

    /// <summary>Opens (creating if missing) a database file and brings its schema up to date. Hosts use <see cref="Open"/>.</summary>
    public HostDatabase(string databasePath) : this(databasePath, create: true)
    {
        Migrate();
    }

    private HostDatabase(string databasePath, bool create)
    {
        if (create) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        _connection.Open();
    }

    /// <summary>
    /// Opens the host's state database after proving it belongs to this host's store (HOST-STATE.md, "Host
    /// identity"): a missing, empty, damaged or foreign database is a local error naming it, and nothing is
    /// changed. A host with neither a database nor store content gets both, with a new host id.
    /// </summary>
    public static HostDatabase Open(HostPaths paths)
    {
        Stork.Format.Errors.ErrorReport.DatabasePath = paths.Database;
        Stork.Format.Errors.ErrorReport.DatabaseErrorCode = e => e is SqliteException s ? s.SqliteErrorCode : e.ErrorCode;
        var storeId = HostIdentity.ReadStoreId(paths);
        if (!File.Exists(paths.Database))
        {
            HostIdentity.RequireNoStoreWithoutDatabase(paths, storeId);
            HostIdentity.CreateFresh(paths);
            storeId = HostIdentity.ReadStoreId(paths);
        }
        if (new FileInfo(paths.Database).Length == 0)
            throw HostIdentity.Refused(paths, "is empty (0 bytes)");
        if (HostIdentity.HeaderProblem(paths.Database) is { } problem) throw HostIdentity.Refused(paths, problem);
        HostDatabase? database = null;
        try
        {
            database = new HostDatabase(paths.Database, create: false);
            database.CheckIdentity(paths, storeId);
            database.Migrate();
            return database;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26 /* SQLITE_CORRUPT, SQLITE_NOTADB */)
        {
            database?.Dispose();
            throw HostIdentity.Refused(paths, $"is damaged ({e.Message})", e);
        }
        catch
        {
            database?.Dispose();
            throw;
        }
    }

    /// <summary>Creates a new database with the current schema and the given host id (fresh hosts, recover --rebuild).</summary>
    internal static HostDatabase CreateNew(string databasePath, string hostId)
    {
        var database = new HostDatabase(databasePath, create: true);
        try
        {
            database.Migrate();
            database.SetHostId(hostId);
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    public void InsertGuest(GuestRecord guest)
    {
        using var command = Command("INSERT INTO guests(name, root, link_mode, share_group, base) VALUES ($name, $root, $mode, $group, $base)");
        command.Parameters.AddWithValue("$base", guest.Base);
        command.Parameters.AddWithValue("$group", guest.ShareGroup);
        command.Parameters.AddWithValue("$name", guest.Name);
        command.Parameters.AddWithValue("$root", guest.Root);
        command.Parameters.AddWithValue("$mode", guest.LinkMode);
        command.ExecuteNonQuery();
        SaveGuestRoots();
    }

    public GuestRecord? FindGuest(string name)
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests WHERE name = $name");
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadGuest(reader) : null;
    }

    public GuestRecord? FindGuestByRoot(string root)
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests WHERE root = $root");
        command.Parameters.AddWithValue("$root", root);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadGuest(reader) : null;
    }

    public IReadOnlyList<GuestRecord> ListGuests()
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests ORDER BY name");
        using var reader = command.ExecuteReader();
        var guests = new List<GuestRecord>();
        while (reader.Read()) guests.Add(ReadGuest(reader));
        return guests;
    }

    public IReadOnlyList<InstalledPackage> ListInstalled(string guest)
    {
        using var command = Command("SELECT name, version, blob_sha256, manual FROM installed_packages WHERE guest = $guest ORDER BY name");
        command.Parameters.AddWithValue("$guest", guest);
        using var reader = command.ExecuteReader();
        var packages = new List<InstalledPackage>();
        while (reader.Read())
            packages.Add(new InstalledPackage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0));
        return packages;
    }

    public IReadOnlyList<OwnedFile> ListOwnedFiles(string guest)
    {
        using var command = Command("""
            SELECT path, package, type, mode, sha256, size, target, config
            FROM owned_files WHERE guest = $guest ORDER BY path, package
            """);
        command.Parameters.AddWithValue("$guest", guest);
        using var reader = command.ExecuteReader();
        var files = new List<OwnedFile>();
        while (reader.Read())
            files.Add(new OwnedFile(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetInt64(7) != 0));
        return files;
    }

    internal void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    internal SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public void Dispose() => _connection.Dispose();
}
