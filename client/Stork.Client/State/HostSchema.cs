using Stork.Format.Errors;

namespace Stork.Client.State;

/// <summary>
/// The host database's tables, schema versions and migrations, all in one place (HOST-STATE.md, "Schema versions").
/// PRAGMA user_version holds the version; every open brings an older database up to <see cref="Version"/> and
/// refuses a newer one. Each table class (GuestTable, OwnershipTable, ...) reads and writes only its own tables.
/// </summary>
internal static class HostSchema
{
    /// <summary>1: the host table (host identity) and user_version itself. 2: guests.share_group. 3: guests.base. 4: JSON in text columns.
    /// 5: adopted_packages (before, STATE_DIR/adopted/GUEST.json; imported by <see cref="LegacyAdoptionFiles"/>).</summary>
    public const int Version = 5;

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

    private const string HostTable = "CREATE TABLE IF NOT EXISTS host (id TEXT NOT NULL)";

    // Packages adopted from a guest's dpkg image, and the generation that adopted each.
    private const string AdoptionSchema = """
        CREATE TABLE IF NOT EXISTS adopted_packages (
            guest      TEXT NOT NULL REFERENCES guests(name) ON DELETE CASCADE,
            name       TEXT NOT NULL,
            generation INTEGER NOT NULL,
            PRIMARY KEY (guest, name)
        );
        """;

    /// <summary>Migration N brings a database from version N-1 to N; each runs in the transaction that sets user_version.</summary>
    private static readonly (int Version, Action<SqlSession> Apply)[] Migrations =
    [
        (1, sql => sql.Execute(HostTable)),
        (2, sql => AddColumn(sql, "guests", "share_group", "TEXT NOT NULL DEFAULT 'default'")),
        (3, sql => AddColumn(sql, "guests", "base", "TEXT NOT NULL DEFAULT 'auto'")),
        (4, TextColumnsToJson),
        (5, sql => sql.Execute(AdoptionSchema)),
    ];

    public static int UserVersion(SqlSession sql) => (int)sql.Integer("PRAGMA user_version");

    public static bool TableExists(SqlSession sql, string name) =>
        sql.Integer("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name", ("$name", name)) > 0;

    public static void Migrate(SqlSession sql)
    {
        var version = UserVersion(sql);
        if (version > Version)
            throw new LocalException($"{sql.DataSource} has schema version {version}, newer than this stork-get knows ({Version}); upgrade stork-get");
        // The base tables are created idempotently on every open (CREATE ... IF NOT EXISTS).
        sql.Execute(Schema);
        sql.Execute(JournalSchema);
        // guests.link_mode_used predates user_version: added whenever missing.
        if (sql.Integer("SELECT COUNT(*) FROM pragma_table_info('guests') WHERE name = 'link_mode_used'") == 0)
            sql.Execute("ALTER TABLE guests ADD COLUMN link_mode_used TEXT");
        foreach (var (target, apply) in Migrations)
        {
            if (target <= version) continue;
            sql.InTransaction(() =>
            {
                apply(sql);
                sql.Execute($"PRAGMA user_version = {target}");
            });
        }
    }

    // ALTER TABLE ADD COLUMN once: a database whose user_version was set back (a test, a hand repair) has it already.
    private static void AddColumn(SqlSession sql, string table, string column, string definition)
    {
        if (sql.Integer($"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column", ("$column", column)) == 0)
            sql.Execute($"ALTER TABLE {table} ADD COLUMN {column} {definition}");
    }

    /// <summary>
    /// 4: the hand-written text formats of manifests.files, journal.desired and journal_ops.entry become JSON
    /// (<see cref="StoredJson"/>), row by row; a journal left by a crash is carried over unchanged in meaning.
    /// </summary>
    private static void TextColumnsToJson(SqlSession sql)
    {
        RewriteColumn(sql, "SELECT blob_sha256, files FROM manifests", "UPDATE manifests SET files = $value WHERE blob_sha256 = $k1",
            text => StoredJson.Entries(LegacyEntryText.Read(text)));
        RewriteColumn(sql, "SELECT guest, desired FROM journal", "UPDATE journal SET desired = $value WHERE guest = $k1",
            text => StoredJson.Desired(LegacyDesiredText.Read(text)));
        RewriteColumn(sql, "SELECT guest, seq, entry FROM journal_ops", "UPDATE journal_ops SET entry = $value WHERE guest = $k1 AND seq = $k2",
            text => StoredJson.Entry(LegacyEntryText.Read(text)[0]));
    }

    /// <summary>Rewrites the last selected column of every row; the columns before it are the row's key ($k1, $k2).</summary>
    private static void RewriteColumn(SqlSession sql, string select, string update, Func<string, string> convert)
    {
        var rows = sql.Query(select, reader =>
        {
            var key = new (string Name, object? Value)[reader.FieldCount - 1];
            for (int i = 0; i < key.Length; i++) key[i] = ($"$k{i + 1}", reader.GetValue(i));
            return (Key: key, Value: reader.GetString(reader.FieldCount - 1));
        });
        foreach (var (key, value) in rows)
            sql.Execute(update, [.. key, ("$value", convert(value))]);
    }
}
