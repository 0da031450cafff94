using Microsoft.Data.Sqlite;

namespace Stork.Client.Packages;

/// <summary>
/// The package index cache: a SQLite database of its own under the host state directory (not host.db: it is a cache,
/// safe to delete, rewritten whole when it is for another root or policy), with a row per package entry keyed by
/// target path, a row per name (summary of the newest version, number of versions), the provides as signed, the
/// problems by target path and a <see cref="RoleRecord"/> per targets role. A refresh that downloads a few hash bins
/// deletes and inserts the rows of their paths in one transaction (<see cref="ApplyUpdate"/>), so its cost follows
/// what changed; a lookup reads a few rows through the indexes.
/// <para>Integrity: every row carries a check value over its columns (<see cref="RowSum"/>), checked whenever the row
/// is used, and a name (a provided name) carries the number of its entries (of its provides), so a lookup that finds
/// more or fewer rows than that refuses them; SQLite's own checks (SQLITE_CORRUPT) count as damage too. Damage is an
/// <see cref="InvalidDataException"/>, which makes the index rebuild itself from the verified roles
/// (<see cref="PackageIndex"/>).</para>
/// <para>Consistency: the database is in WAL mode; a reader takes one read transaction when it opens the index and
/// keeps it, so every lookup of a command sees the snapshot it checked the key of, while a refresh writes a new one.</para>
/// </summary>
internal sealed partial class IndexDatabase : IDisposable
{
    public const string Format = "stork-package-index 5";
    private readonly SqliteConnection _connection;
    private SqliteTransaction? _transaction;

    /// <summary>What the meta row says: format, key (snapshot, root version, policy), base key (root version, policy),
    /// earliest expiry of the roles it was built from and the number of names.</summary>
    internal sealed record Meta(string Key, string BaseKey, long Expires, int Names);

    private IndexDatabase(SqliteConnection connection) => _connection = connection;

    /// <summary>An existing cache for reading (one read transaction from here on); null when there is no file.</summary>
    /// <exception cref="InvalidDataException">Not a database, or damaged.</exception>
    /// <exception cref="SqliteException">It cannot be opened.</exception>
    public static IndexDatabase? OpenForReading(string file)
    {
        if (!File.Exists(file)) return null;
        var database = Connect(file, SqliteOpenMode.ReadWrite);
        try
        {
            Guard(() => database._transaction = database._connection.BeginTransaction(deferred: true));
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>The cache for writing (created when missing; a file that is no database is replaced).</summary>
    public static IndexDatabase OpenForWriting(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        try { return Prepared(Connect(file, SqliteOpenMode.ReadWriteCreate)); }
        catch (InvalidDataException)
        {
            // A cache is safe to delete: garbage in its place is replaced.
            foreach (var path in new[] { file, $"{file}-wal", $"{file}-shm" }) File.Delete(path);
            return Prepared(Connect(file, SqliteOpenMode.ReadWriteCreate));
        }

        static IndexDatabase Prepared(IndexDatabase database)
        {
            try
            {
                Guard(() =>
                {
                    // WAL: readers keep their snapshot while a refresh writes; NORMAL: a cache may lose its last
                    // transaction on power loss, never its consistency.
                    database.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=8388608;");
                });
                return database;
            }
            catch
            {
                database.Dispose();
                throw;
            }
        }
    }

    private static IndexDatabase Connect(string file, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        // A file that cannot be opened (permissions, a directory) is a SqliteException for the caller, not damage:
        // only damage found reading it replaces it.
        try { connection.Open(); }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new IndexDatabase(connection);
    }

    /// <summary>Runs database work, turning SQLite's damage reports into <see cref="InvalidDataException"/>.</summary>
    private static T Guard<T>(Func<T> work)
    {
        try { return work(); }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26 /* SQLITE_CORRUPT, SQLITE_NOTADB */ || e.Message.Contains("no such table", StringComparison.Ordinal)
                                                                          || e.Message.Contains("no such column", StringComparison.Ordinal))
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static void Guard(Action work) => Guard(() => { work(); return 0; });

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    /// <summary>The meta row (checked), or null when the database has none.</summary>
    public Meta? ReadMeta() => Guard(() =>
    {
        using var command = Command("SELECT format, key, base_key, expires, names, sum FROM meta WHERE one = 1");
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        var format = reader.GetString(0);
        var meta = new Meta(reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4));
        RowSum.Check(Blob(reader, 5), "the index cache's meta row", "meta", [], format, meta.Key, meta.BaseKey, $"{meta.Expires}", $"{meta.Names}");
        return format == Format ? meta : null;
    });

    /// <summary>Every problem, in target path order (checked).</summary>
    public List<(string Path, string Text)> ReadProblems() => Guard(() =>
    {
        var problems = new List<(string Path, string Text, long Seq)>();
        using var command = Command("SELECT path, seq, text, sum FROM problems");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (path, seq, text) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
            RowSum.Check(Blob(reader, 3), $"problem {seq} of {path}", "problems", [], path, $"{seq}", text);
            problems.Add((path, text, seq));
        }
        return problems.OrderBy(p => p.Path, StringComparer.Ordinal).ThenBy(p => p.Seq).Select(p => (p.Path, p.Text)).ToList();
    });

    /// <summary>Every role record (checked).</summary>
    public List<RoleRecord> ReadRoles() => Guard(() =>
    {
        var roles = new List<RoleRecord>();
        using var command = Command("SELECT name, record, sum FROM roles ORDER BY rowid");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (name, record) = (reader.GetString(0), reader.GetString(1));
            RowSum.Check(Blob(reader, 2), $"the record of role {name}", "roles", [], name, record);
            RoleRecord role;
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(record);
                role = RoleRecord.Read(json.RootElement);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                throw new InvalidDataException($"the record of role {name}: {e.Message}", e);
            }
            if (role.Name != name) throw new InvalidDataException($"the record of role {name} names {role.Name}");
            roles.Add(role);
        }
        return roles;
    });

    /// <summary>A blob column; null when it is NULL, InvalidDataException when it holds another type (a damaged row).</summary>
    private static byte[]? Blob(SqliteDataReader reader, int column) => reader.GetValue(column) switch
    {
        byte[] bytes => bytes,
        DBNull => null,
        var other => throw new InvalidDataException($"column {reader.GetName(column)} holds {other.GetType().Name}, not bytes"),
    };

    public void Dispose()
    {
        try { _transaction?.Dispose(); } catch (SqliteException) { }
        _connection.Dispose();
    }
}
