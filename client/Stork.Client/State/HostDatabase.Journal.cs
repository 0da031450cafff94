using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>A guest change in progress, before or after its commit point.</summary>
public sealed record JournalRecord(string Guest, string TxId, JournalState State, IReadOnlyList<DesiredPackage> Desired, string LinkMode, string Summary, long Started);

/// <summary>One generation of a guest: the package set after one successful change.</summary>
public sealed record GenerationRecord(int Number, long Created, string Summary, IReadOnlyList<InstalledPackage> Packages);

/// <summary>Transaction journal, generations and stored manifests (see format-spec/HOST-STATE.md).</summary>
public sealed partial class HostDatabase
{
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

    private void MigrateGuests()
    {
        using var command = Command("SELECT COUNT(*) FROM pragma_table_info('guests') WHERE name = 'link_mode_used'");
        if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            Execute("ALTER TABLE guests ADD COLUMN link_mode_used TEXT");
    }

    private static GuestRecord ReadGuest(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4));

    public void SetLinkMode(string guest, string mode)
    {
        using var command = Command("UPDATE guests SET link_mode = $mode, link_mode_used = NULL WHERE name = $guest");
        command.Parameters.AddWithValue("$mode", mode);
        command.Parameters.AddWithValue("$guest", guest);
        command.ExecuteNonQuery();
    }

    // ---- manifests (one per blob, shared by every guest) ----

    public void SaveManifest(string blobSha256, PackageManifest manifest)
    {
        using var command = Command("INSERT OR IGNORE INTO manifests(blob_sha256, name, version, files) VALUES ($sha, $name, $version, $files)");
        command.Parameters.AddWithValue("$sha", blobSha256);
        command.Parameters.AddWithValue("$name", manifest.Name);
        command.Parameters.AddWithValue("$version", manifest.Version);
        command.Parameters.AddWithValue("$files", StoredJson.Entries(manifest.Files));
        command.ExecuteNonQuery();
    }

    public PackageManifest? LoadManifest(string blobSha256)
    {
        using var command = Command("SELECT name, version, files FROM manifests WHERE blob_sha256 = $sha");
        command.Parameters.AddWithValue("$sha", blobSha256);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new PackageManifest { Name = reader.GetString(0), Version = reader.GetString(1), Files = StoredJson.ReadEntries(reader.GetString(2)) };
    }

    public IReadOnlyList<string> ListManifestBlobs()
    {
        using var command = Command("SELECT blob_sha256 FROM manifests");
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return list;
    }

    public void DeleteManifest(string blobSha256)
    {
        using var command = Command("DELETE FROM manifests WHERE blob_sha256 = $sha");
        command.Parameters.AddWithValue("$sha", blobSha256);
        command.ExecuteNonQuery();
    }

    // ---- journal ----

    public void BeginJournal(JournalRecord record, IReadOnlyList<FileAction> actions)
    {
        using var transaction = _connection.BeginTransaction();
        using (var insert = Command("""
            INSERT INTO journal(guest, txid, state, desired, link_mode, summary, started)
            VALUES ($guest, $txid, $state, $desired, $mode, $summary, $started)
            """, transaction))
        {
            insert.Parameters.AddWithValue("$guest", record.Guest);
            insert.Parameters.AddWithValue("$txid", record.TxId);
            insert.Parameters.AddWithValue("$state", JournalStateText.Of(record.State));
            insert.Parameters.AddWithValue("$desired", StoredJson.Desired(record.Desired));
            insert.Parameters.AddWithValue("$mode", record.LinkMode);
            insert.Parameters.AddWithValue("$summary", record.Summary);
            insert.Parameters.AddWithValue("$started", record.Started);
            insert.ExecuteNonQuery();
        }
        using (var op = Command("INSERT INTO journal_ops(guest, seq, kind, path, entry, existed) VALUES ($guest, $seq, $kind, $path, $entry, $existed)", transaction))
        {
            op.Parameters.AddWithValue("$guest", record.Guest);
            var seq = op.Parameters.Add("$seq", SqliteType.Integer);
            var kind = op.Parameters.Add("$kind", SqliteType.Text);
            var path = op.Parameters.Add("$path", SqliteType.Text);
            var entry = op.Parameters.Add("$entry", SqliteType.Text);
            var existed = op.Parameters.Add("$existed", SqliteType.Integer);
            for (int i = 0; i < actions.Count; i++)
            {
                seq.Value = i;
                kind.Value = actions[i].Kind.ToString();
                path.Value = actions[i].Path;
                entry.Value = StoredJson.Entry(actions[i].Entry);
                existed.Value = actions[i].Existed ? 1 : 0;
                op.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    public void SetJournalState(string guest, JournalState state)
    {
        using var command = Command("UPDATE journal SET state = $state WHERE guest = $guest");
        command.Parameters.AddWithValue("$state", JournalStateText.Of(state));
        command.Parameters.AddWithValue("$guest", guest);
        command.ExecuteNonQuery();
    }

    public (JournalRecord Record, IReadOnlyList<FileAction> Actions)? FindJournal(string guest)
    {
        JournalRecord record;
        using (var command = Command("SELECT txid, state, desired, link_mode, summary, started FROM journal WHERE guest = $guest"))
        {
            command.Parameters.AddWithValue("$guest", guest);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            record = new JournalRecord(guest, reader.GetString(0), JournalStateText.Parse(reader.GetString(1), guest), StoredJson.ReadDesired(reader.GetString(2)),
                reader.GetString(3), reader.GetString(4), reader.GetInt64(5));
        }
        var actions = new List<FileAction>();
        using (var command = Command("SELECT kind, path, entry, existed FROM journal_ops WHERE guest = $guest ORDER BY seq"))
        {
            command.Parameters.AddWithValue("$guest", guest);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                actions.Add(new FileAction(Enum.Parse<FileActionKind>(reader.GetString(0)), reader.GetString(1),
                    StoredJson.ReadEntry(reader.GetString(2)), reader.GetInt64(3) != 0));
        }
        return (record, actions);
    }

    public IReadOnlyList<string> ListJournaledGuests()
    {
        using var command = Command("SELECT guest FROM journal ORDER BY guest");
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return list;
    }

    /// <summary>Unregisters a guest: its packages, owned files, generations and journal go with it (ON DELETE CASCADE).</summary>
    public void DeleteGuest(string guest)
    {
        using var transaction = _connection.BeginTransaction();
        DeleteJournal(guest, transaction);
        foreach (var sql in new[] { "DELETE FROM owned_files WHERE guest = $guest", "DELETE FROM installed_packages WHERE guest = $guest",
                     "DELETE FROM generation_packages WHERE guest = $guest", "DELETE FROM generations WHERE guest = $guest", "DELETE FROM guests WHERE name = $guest" })
        {
            using var command = Command(sql, transaction);
            command.Parameters.AddWithValue("$guest", guest);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public void DeleteJournal(string guest)
    {
        using var transaction = _connection.BeginTransaction();
        DeleteJournal(guest, transaction);
        transaction.Commit();
    }

    private void DeleteJournal(string guest, SqliteTransaction transaction)
    {
        foreach (var sql in new[] { "DELETE FROM journal_ops WHERE guest = $guest", "DELETE FROM journal WHERE guest = $guest" })
        {
            using var command = Command(sql, transaction);
            command.Parameters.AddWithValue("$guest", guest);
            command.ExecuteNonQuery();
        }
    }

    // ---- generations ----

    /// <summary>
    /// The end of a change, in one SQLite transaction: the guest's packages and owned files become the new set,
    /// a new generation is recorded, the link mode in use is stored and the journal is dropped.
    /// Returns the new generation number.
    /// </summary>
    public int CommitGeneration(string guest, IReadOnlyList<InstalledPackage> packages, IReadOnlyList<OwnedFile> owned, string? linkModeUsed, string summary, DateTimeOffset created)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var sql in new[] { "DELETE FROM owned_files WHERE guest = $guest", "DELETE FROM installed_packages WHERE guest = $guest" })
        {
            using var command = Command(sql, transaction);
            command.Parameters.AddWithValue("$guest", guest);
            command.ExecuteNonQuery();
        }
        int number;
        using (var max = Command("SELECT COALESCE(MAX(number), 0) FROM generations WHERE guest = $guest", transaction))
        {
            max.Parameters.AddWithValue("$guest", guest);
            number = Convert.ToInt32(max.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
        }
        using (var insert = Command("INSERT INTO generations(guest, number, created, summary) VALUES ($guest, $number, $created, $summary)", transaction))
        {
            insert.Parameters.AddWithValue("$guest", guest);
            insert.Parameters.AddWithValue("$number", number);
            insert.Parameters.AddWithValue("$created", created.ToUnixTimeSeconds());
            insert.Parameters.AddWithValue("$summary", summary);
            insert.ExecuteNonQuery();
        }
        foreach (var table in new[] { "installed_packages", "generation_packages" })
        {
            bool generation = table == "generation_packages";
            using var insert = Command(generation
                ? "INSERT INTO generation_packages(guest, number, name, version, blob_sha256, manual) VALUES ($guest, $number, $name, $version, $sha, $manual)"
                : "INSERT INTO installed_packages(guest, name, version, blob_sha256, manual) VALUES ($guest, $name, $version, $sha, $manual)", transaction);
            insert.Parameters.AddWithValue("$guest", guest);
            if (generation) insert.Parameters.AddWithValue("$number", number);
            var name = insert.Parameters.Add("$name", SqliteType.Text);
            var version = insert.Parameters.Add("$version", SqliteType.Text);
            var sha = insert.Parameters.Add("$sha", SqliteType.Text);
            var manual = insert.Parameters.Add("$manual", SqliteType.Integer);
            foreach (var package in packages)
            {
                name.Value = package.Name;
                version.Value = package.Version;
                sha.Value = package.BlobSha256;
                manual.Value = package.Manual ? 1 : 0;
                insert.ExecuteNonQuery();
            }
        }
        InsertOwnedFiles(guest, owned, transaction);
        if (linkModeUsed is not null)
        {
            using var update = Command("UPDATE guests SET link_mode_used = $mode WHERE name = $guest", transaction);
            update.Parameters.AddWithValue("$mode", linkModeUsed);
            update.Parameters.AddWithValue("$guest", guest);
            update.ExecuteNonQuery();
        }
        DeleteJournal(guest, transaction);
        transaction.Commit();
        return number;
    }

    public int CurrentGeneration(string guest)
    {
        using var command = Command("SELECT COALESCE(MAX(number), 0) FROM generations WHERE guest = $guest");
        command.Parameters.AddWithValue("$guest", guest);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<GenerationRecord> ListGenerations(string guest)
    {
        var generations = new List<(int Number, long Created, string Summary)>();
        using (var command = Command("SELECT number, created, summary FROM generations WHERE guest = $guest ORDER BY number"))
        {
            command.Parameters.AddWithValue("$guest", guest);
            using var reader = command.ExecuteReader();
            while (reader.Read()) generations.Add((reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2)));
        }
        var packages = new Dictionary<int, List<InstalledPackage>>();
        using (var command = Command("SELECT number, name, version, blob_sha256, manual FROM generation_packages WHERE guest = $guest ORDER BY number, name"))
        {
            command.Parameters.AddWithValue("$guest", guest);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var n = reader.GetInt32(0);
                if (!packages.TryGetValue(n, out var list)) packages[n] = list = [];
                list.Add(new InstalledPackage(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4) != 0));
            }
        }
        return generations.Select(g => new GenerationRecord(g.Number, g.Created, g.Summary, packages.GetValueOrDefault(g.Number) ?? [])).ToList();
    }

    /// <summary>Drops all but the newest <paramref name="keep"/> generations of a guest (the current one is always kept).</summary>
    public int PruneGenerations(string guest, int keep)
    {
        using var command = Command("DELETE FROM generations WHERE guest = $guest AND number <= (SELECT MAX(number) FROM generations WHERE guest = $guest) - $keep");
        command.Parameters.AddWithValue("$guest", guest);
        command.Parameters.AddWithValue("$keep", Math.Max(1, keep));
        return command.ExecuteNonQuery();
    }

    /// <summary>Every blob some guest has installed, keeps in a generation, or is in the middle of installing.</summary>
    public IReadOnlySet<string> ReferencedBlobs()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        using (var command = Command("SELECT blob_sha256 FROM installed_packages UNION SELECT blob_sha256 FROM generation_packages"))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) set.Add(reader.GetString(0));
        using (var command = Command("SELECT desired FROM journal"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                foreach (var package in StoredJson.ReadDesired(reader.GetString(0))) set.Add(package.BlobSha256);
        return set;
    }

    private void InsertOwnedFiles(string guestName, IReadOnlyList<OwnedFile> files, SqliteTransaction transaction)
    {
        using var insertFile = Command("""
            INSERT OR IGNORE INTO owned_files(guest, path, package, type, mode, sha256, size, target, config)
            VALUES ($guest, $path, $package, $type, $mode, $sha, $size, $target, $config)
            """, transaction);
        insertFile.Parameters.AddWithValue("$guest", guestName);
        var path = insertFile.Parameters.Add("$path", SqliteType.Text);
        var package = insertFile.Parameters.Add("$package", SqliteType.Text);
        var type = insertFile.Parameters.Add("$type", SqliteType.Text);
        var mode = insertFile.Parameters.Add("$mode", SqliteType.Text);
        var sha = insertFile.Parameters.Add("$sha", SqliteType.Text);
        var size = insertFile.Parameters.Add("$size", SqliteType.Integer);
        var target = insertFile.Parameters.Add("$target", SqliteType.Text);
        var config = insertFile.Parameters.Add("$config", SqliteType.Integer);
        foreach (var file in files)
        {
            path.Value = file.Path;
            package.Value = file.Package;
            type.Value = file.Type;
            mode.Value = (object?)file.Mode ?? DBNull.Value;
            sha.Value = (object?)file.Sha256 ?? DBNull.Value;
            size.Value = (object?)file.Size ?? DBNull.Value;
            target.Value = (object?)file.Target ?? DBNull.Value;
            config.Value = file.Config ? 1 : 0;
            insertFile.ExecuteNonQuery();
        }
    }
}
