using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>
/// The host's SQLite state, one partial file per table family: guests (.Guests), installed packages and owned paths
/// (.Ownership), manifests (.Manifests), generations (.Generations), the journal (.Journal); tables, schema
/// versions and migrations in .Schema. Multi-row changes run in one transaction.
/// </summary>
public sealed partial class HostDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

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
        Stork.Format.Errors.Failure.DatabasePath = paths.Database;
        Stork.Format.Errors.Failure.DatabaseErrorCode = e => e is SqliteException s ? s.SqliteErrorCode : e.ErrorCode;
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

    /// <summary>A command with its parameters bound: <c>Command(sql, ("$guest", guest))</c>.</summary>
    internal SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters) => Command(sql, null, parameters);

    internal SqliteCommand Command(string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = Command(sql, transaction);
        foreach (var (name, value) in parameters)
        {
            // An enum would be stored as its number: domain enums go in by their on-disk name (LinkModes.Name, ...).
            if (value is Enum) throw new ArgumentException($"parameter {name}: store {value.GetType().Name} by its name, not as a number", nameof(parameters));
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    public void Dispose() => _connection.Dispose();
}
