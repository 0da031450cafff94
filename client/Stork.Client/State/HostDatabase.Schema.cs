using System.Globalization;
using Microsoft.Data.Sqlite;
using Stork.Client.Locking;

namespace Stork.Client.State;

/// <summary>
/// Schema versions and migrations, all in one place (HOST-STATE.md, "Schema versions"). PRAGMA user_version holds
/// the version; every open brings an older database up to <see cref="SchemaVersion"/> and refuses a newer one.
/// </summary>
public sealed partial class HostDatabase
{
    /// <summary>1: the host table (host identity) and user_version itself. 2: guests.share_group. 3: guests.base. 4: JSON in text columns.</summary>
    public const int SchemaVersion = 4;

    // Guests, their installed packages and owned files.
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

    // Manifests, generations and the journal.
    private const string JournalSchema = """
        CREATE TABLE IF NOT EXISTS manifests (
            blob_sha256 TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            version     TEXT NOT NULL,
            files       TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS generations (
            guest   TEXT NOT NULL REFERENCES guests(name) ON DELETE CASCADE,
            number  INTEGER NOT NULL,
            created INTEGER NOT NULL,
            summary TEXT NOT NULL,
            PRIMARY KEY (guest, number)
        );
        CREATE TABLE IF NOT EXISTS generation_packages (
            guest       TEXT NOT NULL,
            number      INTEGER NOT NULL,
            name        TEXT NOT NULL,
            version     TEXT NOT NULL,
            blob_sha256 TEXT NOT NULL,
            manual      INTEGER NOT NULL,
            PRIMARY KEY (guest, number, name),
            FOREIGN KEY (guest, number) REFERENCES generations(guest, number) ON DELETE CASCADE
        );
        CREATE TABLE IF NOT EXISTS journal (
            guest     TEXT PRIMARY KEY REFERENCES guests(name) ON DELETE CASCADE,
            txid      TEXT NOT NULL,
            state     TEXT NOT NULL,
            desired   TEXT NOT NULL,
            link_mode TEXT NOT NULL,
            summary   TEXT NOT NULL,
            started   INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS journal_ops (
            guest   TEXT NOT NULL REFERENCES journal(guest) ON DELETE CASCADE,
            seq     INTEGER NOT NULL,
            kind    TEXT NOT NULL,
            path    TEXT NOT NULL,
            entry   TEXT NOT NULL,
            existed INTEGER NOT NULL,
            PRIMARY KEY (guest, seq)
        );
        """;

    private const string HostSchema = "CREATE TABLE IF NOT EXISTS host (id TEXT NOT NULL)";

    /// <summary>Migration N brings a database from version N-1 to N; each runs in the transaction that sets user_version.</summary>
    private (int Version, Action<SqliteTransaction> Apply)[] Migrations =>
    [
        (1, t => Run(HostSchema, t)),
        (2, t => AddColumn("guests", "share_group", "TEXT NOT NULL DEFAULT 'default'", t)),
        (3, t => AddColumn("guests", "base", "TEXT NOT NULL DEFAULT 'auto'", t)),
        (4, TextColumnsToJson),
    ];

    public int UserVersion => Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);

    /// <summary>This host's id, from the host table (null in a database from before host identity).</summary>
    public string? HostId => TableExists("host") ? Scalar("SELECT id FROM host LIMIT 1") as string : null;

    private void Migrate()
    {
        var version = UserVersion;
        if (version > SchemaVersion)
            throw new Format.Errors.LocalException(
                $"{_connection.DataSource} has schema version {version}, newer than this stork-get knows ({SchemaVersion}); upgrade stork-get");
        // The base tables are created idempotently on every open (CREATE ... IF NOT EXISTS).
        Execute(Schema);
        Execute(JournalSchema);
        MigrateGuests();
        foreach (var (target, apply) in Migrations)
        {
            if (target <= version) continue;
            using var transaction = _connection.BeginTransaction();
            apply(transaction);
            using (var set = Command($"PRAGMA user_version = {target}", transaction)) set.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    // ALTER TABLE ADD COLUMN once: a database whose user_version was set back (a test, a hand repair) has it already.
    private void AddColumn(string table, string column, string definition, SqliteTransaction transaction)
    {
        using var exists = Command($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column", transaction, ("$column", column));
        if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            Run($"ALTER TABLE {table} ADD COLUMN {column} {definition}", transaction);
    }

    private void Run(string sql, SqliteTransaction transaction)
    {
        using var command = Command(sql, transaction);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// 3: the hand-written text formats of manifests.files, journal.desired and journal_ops.entry become JSON
    /// (<see cref="StoredJson"/>), row by row; a journal left by a crash is carried over unchanged in meaning.
    /// </summary>
    private void TextColumnsToJson(SqliteTransaction transaction)
    {
        RewriteColumn(transaction, "SELECT blob_sha256, files FROM manifests", "UPDATE manifests SET files = $value WHERE blob_sha256 = $k1",
            text => StoredJson.Entries(LegacyEntryText.Read(text)));
        RewriteColumn(transaction, "SELECT guest, desired FROM journal", "UPDATE journal SET desired = $value WHERE guest = $k1",
            text => StoredJson.Desired(LegacyDesiredText.Read(text)));
        RewriteColumn(transaction, "SELECT guest, seq, entry FROM journal_ops", "UPDATE journal_ops SET entry = $value WHERE guest = $k1 AND seq = $k2",
            text => StoredJson.Entry(LegacyEntryText.Read(text)[0]));
    }

    /// <summary>Rewrites the last selected column of every row; the columns before it are the row's key ($k1, $k2).</summary>
    private void RewriteColumn(SqliteTransaction transaction, string select, string update, Func<string, string> convert)
    {
        var rows = new List<(object[] Key, string Value)>();
        using (var command = Command(select, transaction))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var key = new object[reader.FieldCount - 1];
                for (int i = 0; i < key.Length; i++) key[i] = reader.GetValue(i);
                rows.Add((key, reader.GetString(reader.FieldCount - 1)));
            }
        foreach (var (key, value) in rows)
        {
            using var command = Command(update, transaction);
            for (int i = 0; i < key.Length; i++) command.Parameters.AddWithValue($"$k{i + 1}", key[i]);
            command.Parameters.AddWithValue("$value", convert(value));
            command.ExecuteNonQuery();
        }
    }

    private void SetHostId(string id)
    {
        using var transaction = _connection.BeginTransaction();
        using (var delete = Command("DELETE FROM host", transaction)) delete.ExecuteNonQuery();
        using (var insert = Command("INSERT INTO host(id) VALUES ($id)", transaction, ("$id", id)))
        {
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Reads only, until the database is known to be this host's; see <see cref="Open"/>.</summary>
    private void CheckIdentity(HostPaths paths, string? storeId)
    {
        var version = UserVersion;
        if (version > SchemaVersion)
            throw HostIdentity.Refused(paths, $"has schema version {version}, newer than this stork-get knows ({SchemaVersion}); upgrade stork-get");
        if (!TableExists("guests"))
            throw HostIdentity.Refused(paths, "holds no Stork state (no tables)");
        var id = HostId;
        if (id is null)
        {
            if (version >= 1) throw HostIdentity.Refused(paths, "has lost its host id");
            // A database from before host identity: it becomes this store's, unless the store already has an owner.
            if (storeId is not null)
                throw HostIdentity.Refused(paths, $"has no host id, but the store belongs to host {storeId}");
            Migrate();
            SetHostId(HostIdentity.NewId());
            id = HostId!;
        }
        if (storeId is null) HostIdentity.WriteStoreId(paths, id); // a crash right after creation left the store without it
        else if (storeId != id)
            throw HostIdentity.Refused(paths, $"belongs to host {id}, but the store {Path.GetDirectoryName(paths.FilesDir)} belongs to host {storeId}");
    }

    private bool TableExists(string name)
    {
        using var command = Command("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name", ("$name", name));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }
}
