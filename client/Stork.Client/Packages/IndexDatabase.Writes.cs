using System.Text;
using Microsoft.Data.Sqlite;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>Writing the cache: whole (a full build), or the rows of the paths a refresh's changed roles list.</summary>
internal sealed partial class IndexDatabase
{
    private static readonly string[] Tables = ["meta", "roles", "problems", "entries", "names", "provides", "provided"];

    /// <summary>Replaces the whole content by <paramref name="index"/> (built from targets), in one transaction.</summary>
    public void WriteFull(string key, string baseKey, PackageIndex index, IReadOnlyList<(string Path, string Text)> problems,
                          IReadOnlyList<RoleRecord> roles, DateTimeOffset expires) => Guard(() =>
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        _transaction = transaction;
        try
        {
            foreach (var table in Tables) Execute($"DROP TABLE IF EXISTS {table}");
            Execute("""
                CREATE TABLE meta(one INTEGER PRIMARY KEY CHECK (one = 1), format TEXT NOT NULL, key TEXT NOT NULL, base_key TEXT NOT NULL,
                                  expires INTEGER NOT NULL, names INTEGER NOT NULL, sum BLOB NOT NULL);
                CREATE TABLE roles(name TEXT PRIMARY KEY, record TEXT NOT NULL, sum BLOB NOT NULL);
                CREATE TABLE problems(path TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, sum BLOB NOT NULL, PRIMARY KEY (path, seq));
                CREATE TABLE entries(path TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, data BLOB NOT NULL, sum BLOB NOT NULL);
                CREATE TABLE names(name TEXT PRIMARY KEY, summary TEXT NOT NULL, ascii INTEGER NOT NULL, count INTEGER NOT NULL,
                                   newest TEXT NOT NULL, sum BLOB NOT NULL);
                CREATE TABLE provides(name TEXT NOT NULL, path TEXT NOT NULL, seq INTEGER NOT NULL, sum BLOB NOT NULL, PRIMARY KEY (name, path, seq));
                CREATE TABLE provided(name TEXT PRIMARY KEY, count INTEGER NOT NULL, sum BLOB NOT NULL);
                """);
            using var rows = new RowWriter(this);
            var provided = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var name in index.Names)
            {
                var versions = index.VersionsOf(name);
                foreach (var entry in versions) rows.Entry(entry, provided);
                rows.Name(name, versions);
            }
            foreach (var (name, count) in provided) rows.Provided(name, count);
            rows.Problems(problems);
            // Secondary indexes after the rows: one sort instead of a b-tree insert per row.
            Execute("CREATE INDEX entries_name ON entries(name); CREATE INDEX provides_path ON provides(path);");
            foreach (var role in roles) rows.Role(role);
            rows.Meta(key, baseKey, expires.ToUnixTimeSeconds(), index.Names.Count);
            transaction.Commit();
        }
        finally { _transaction = null; }
    });

    /// <summary>
    /// The cache of <paramref name="previousKey"/> changed into the one of <paramref name="key"/>: the rows of every
    /// affected path replaced by what the delegation search now finds there, in one transaction. Equal to a full
    /// build of the new snapshot (the tests check it): kept entries that provide a name whose owners may have changed
    /// have their kept provides worked out again, and the names whose entries changed get their row again.
    /// False (nothing changed) when the database no longer holds <paramref name="previousKey"/>.
    /// </summary>
    /// <param name="affected">Every target path listed by a changed role, before or after the change.</param>
    /// <param name="found">The delegation search's answer for each affected path that has one.</param>
    /// <param name="roles">The records of the changed roles (the others are kept).</param>
    /// <exception cref="InvalidDataException">A row it reads is damaged (nothing changed).</exception>
    public bool ApplyUpdate(string previousKey, string key, IReadOnlySet<string> affected, IEnumerable<FoundTarget> found, PackageTrustPolicy policy,
                            IReadOnlyList<RoleRecord> roles, DateTimeOffset expires) => Guard(() =>
    {
        using var transaction = _connection.BeginTransaction(deferred: false);
        _transaction = transaction;
        try
        {
            if (ReadMeta() is not { } meta || meta.Key != previousKey) return false;
            var touched = new HashSet<string>(StringComparer.Ordinal);       // names that lose or gain entries
            var provideNames = new HashSet<string>(StringComparer.Ordinal);  // names whose provides rows change
            using (var entryNames = Command("SELECT name FROM entries WHERE path = $path"))
            using (var provides = Command("SELECT name FROM provides WHERE path = $path"))
            using (var delete = Command("DELETE FROM provides WHERE path = $path; DELETE FROM entries WHERE path = $path; DELETE FROM problems WHERE path = $path"))
            {
                var path = entryNames.Parameters.Add("$path", SqliteType.Text);
                var path2 = provides.Parameters.Add("$path", SqliteType.Text);
                var path3 = delete.Parameters.Add("$path", SqliteType.Text);
                foreach (var affectedPath in affected)
                {
                    path.Value = path2.Value = path3.Value = affectedPath;
                    using (var reader = entryNames.ExecuteReader()) while (reader.Read()) touched.Add(reader.GetString(0));
                    using (var reader = provides.ExecuteReader()) while (reader.Read()) provideNames.Add(reader.GetString(0));
                    delete.ExecuteNonQuery();
                }
            }

            var problems = new List<(string Path, string Text)>();
            var added = new List<PackageEntry>();
            foreach (var target in found)
                if (PackageIndex.TryReadEntry(target, policy, problems) is { } entry)
                {
                    added.Add(entry);
                    touched.Add(entry.Name);
                }
            var addedRoles = added.ToLookup(e => e.Name, e => e.Role, StringComparer.Ordinal);

            // Owners of a name: the roles of its kept entries (checked rows) and of the added ones.
            var owners = new Dictionary<string, IReadOnlySet<string>?>(StringComparer.Ordinal);
            IReadOnlySet<string>? OwnersOf(string name)
            {
                if (owners.TryGetValue(name, out var known)) return known;
                var roleSet = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in StoredEntriesOf(name)) roleSet.Add(entry.Role);
                roleSet.UnionWith(addedRoles[name]);
                return owners[name] = roleSet.Count == 0 ? null : roleSet;
            }

            using var rows = new RowWriter(this);
            // Kept entries that provide a touched name: their kept provides (and the problems saying which were
            // refused) are worked out again.
            var recheck = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var name in touched)
                foreach (var (path, _) in StoredProvidesOf(name)) recheck.Add(path);
            foreach (var path in recheck)
            {
                var stored = StoredEntryAt(path) ?? throw new InvalidDataException($"provide by {path}, which is no entry");
                var pathProblems = new List<(string Path, string Text)>();
                var entry = PackageIndex.KeepOwnedProvides(EntryCodec.WithSignedProvides(stored), OwnersOf, pathProblems);
                using (var delete = Command("DELETE FROM problems WHERE path = $path", ("$path", path))) delete.ExecuteNonQuery();
                rows.Problems(pathProblems);
                if (!entry.Candidate.Provides.SequenceEqual(stored.Candidate.Provides)) rows.ReplaceEntry(entry);
            }
            var provided = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in added) rows.Entry(PackageIndex.KeepOwnedProvides(entry, OwnersOf, problems), provided);
            provideNames.UnionWith(provided.Keys);
            rows.Problems(PackageIndex.SortedProblems(problems));

            foreach (var name in provideNames)
            {
                int count;
                using (var command = Command("SELECT count(*) FROM provides WHERE name = $name", ("$name", name))) count = Convert.ToInt32(command.ExecuteScalar());
                using (var delete = Command("DELETE FROM provided WHERE name = $name", ("$name", name))) delete.ExecuteNonQuery();
                if (count > 0) rows.Provided(name, count);
            }
            int names = meta.Names;
            foreach (var name in touched)
            {
                var versions = StoredEntriesOf(name);
                versions.Sort(PackageIndex.NewestFirst);
                bool existed;
                using (var delete = Command("DELETE FROM names WHERE name = $name", ("$name", name))) existed = delete.ExecuteNonQuery() > 0;
                if (versions.Count > 0) rows.Name(name, versions);
                names += (versions.Count > 0 ? 1 : 0) - (existed ? 1 : 0);
            }
            foreach (var role in roles)
            {
                using (var delete = Command("DELETE FROM roles WHERE name = $name", ("$name", role.Name))) delete.ExecuteNonQuery();
                rows.Role(role);
            }
            Execute("DELETE FROM meta");
            rows.Meta(key, meta.BaseKey, expires.ToUnixTimeSeconds(), names);
            transaction.Commit();
            _decoded.Clear();
            return true;
        }
        finally { _transaction = null; }
    });

    /// <summary>The entries of a name as stored (checked rows), in no order.</summary>
    private List<PackageEntry> StoredEntriesOf(string name)
    {
        var list = new List<PackageEntry>();
        using var command = Command("SELECT path, role, data, sum FROM entries WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (path, role, data, sum) = (reader.GetString(0), reader.GetString(1), Blob(reader, 2), Blob(reader, 3));
            if (data is null) throw new InvalidDataException($"entry {path}: no data");
            RowSum.Check(sum, $"entry {path}", "entries", data, path, name, role);
            var entry = EntryCodec.Decode(data, $"entry {path}");
            if (entry.TargetPath != path || entry.Name != name || entry.Role != role) throw new InvalidDataException($"entry {path}: row and data disagree");
            list.Add(entry);
        }
        return list;
    }

    private PackageEntry? StoredEntryAt(string path)
    {
        _decoded.Remove(path);
        return EntryAt(path);
    }

    private List<(string Path, long Seq)> StoredProvidesOf(string name)
    {
        var list = new List<(string Path, long Seq)>();
        using var command = Command("SELECT path, seq, sum FROM provides WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (path, seq) = (reader.GetString(0), reader.GetInt64(1));
            RowSum.Check(Blob(reader, 2), $"provide {seq} of {path}", "provides", [], name, path, $"{seq}");
            list.Add((path, seq));
        }
        return list;
    }

    /// <summary>Prepared inserts, each row with its check value.</summary>
    private sealed class RowWriter : IDisposable
    {
        private readonly IndexDatabase _database;
        private readonly SqliteCommand _entry, _provide, _name, _provided, _problem, _role, _meta, _replace;

        public RowWriter(IndexDatabase database)
        {
            _database = database;
            _entry = Prepare("INSERT INTO entries(path, name, role, data, sum) VALUES ($1, $2, $3, $4, $5)", 5);
            _replace = Prepare("UPDATE entries SET data = $4, sum = $5 WHERE path = $1 AND name = $2 AND role = $3", 5);
            _provide = Prepare("INSERT INTO provides(name, path, seq, sum) VALUES ($1, $2, $3, $4)", 4);
            _name = Prepare("INSERT INTO names(name, summary, ascii, count, newest, sum) VALUES ($1, $2, $3, $4, $5, $6)", 6);
            _provided = Prepare("INSERT INTO provided(name, count, sum) VALUES ($1, $2, $3)", 3);
            _problem = Prepare("INSERT INTO problems(path, seq, text, sum) VALUES ($1, $2, $3, $4)", 4);
            _role = Prepare("INSERT INTO roles(name, record, sum) VALUES ($1, $2, $3)", 3);
            _meta = Prepare("INSERT INTO meta(one, format, key, base_key, expires, names, sum) VALUES (1, $1, $2, $3, $4, $5, $6)", 6);
        }

        private SqliteCommand Prepare(string sql, int parameters)
        {
            var command = _database.Command(sql);
            // No declared type: each value binds as what it is (text, integer, blob).
            for (int i = 1; i <= parameters; i++) command.Parameters.AddWithValue($"${i}", DBNull.Value);
            return command;
        }

        private static void Run(SqliteCommand command, params ReadOnlySpan<object> values)
        {
            for (int i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
            command.ExecuteNonQuery();
        }

        /// <summary>An entry and its provides as signed (counted per name in <paramref name="provided"/>).</summary>
        public void Entry(PackageEntry entry, Dictionary<string, int> provided)
        {
            var data = EntryCodec.Encode(entry);
            Run(_entry, entry.TargetPath, entry.Name, entry.Role, data, RowSum.Of("entries", data, entry.TargetPath, entry.Name, entry.Role));
            var signed = EntryCodec.ReadProvides(entry);
            for (int seq = 0; seq < signed.Count; seq++)
            {
                var name = signed[seq].Name;
                Run(_provide, name, entry.TargetPath, seq, RowSum.Of("provides", name, entry.TargetPath, $"{seq}"));
                provided[name] = provided.GetValueOrDefault(name) + 1;
            }
        }

        /// <summary>A kept entry whose kept provides changed (its signed provides, hence its provides rows, did not).</summary>
        public void ReplaceEntry(PackageEntry entry)
        {
            var data = EntryCodec.Encode(entry);
            Run(_replace, entry.TargetPath, entry.Name, entry.Role, data, RowSum.Of("entries", data, entry.TargetPath, entry.Name, entry.Role));
        }

        /// <summary>A name's row from its entries, newest first.</summary>
        public void Name(string name, IReadOnlyList<PackageEntry> versions)
        {
            var summary = versions[0].Summary;
            var ascii = Ascii.IsValid(name) && Ascii.IsValid(summary) ? 1 : 0;
            Run(_name, name, summary, ascii, versions.Count, versions[0].TargetPath,
                RowSum.Of("names", name, summary, $"{versions.Count}", versions[0].TargetPath));
        }

        public void Provided(string name, int count) => Run(_provided, name, count, RowSum.Of("provided", name, $"{count}"));

        /// <summary>Problems in the order found; numbered per path.</summary>
        public void Problems(IEnumerable<(string Path, string Text)> problems)
        {
            var next = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (path, text) in problems)
            {
                int seq = next.GetValueOrDefault(path);
                next[path] = seq + 1;
                Run(_problem, path, seq, text, RowSum.Of("problems", path, $"{seq}", text));
            }
        }

        public void Role(RoleRecord role)
        {
            var json = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(json)) role.WriteTo(writer);
            var record = Encoding.UTF8.GetString(json.ToArray());
            Run(_role, role.Name, record, RowSum.Of("roles", role.Name, record));
        }

        public void Meta(string key, string baseKey, long expires, int names)
            => Run(_meta, Format, key, baseKey, expires, names, RowSum.Of("meta", Format, key, baseKey, $"{expires}", $"{names}"));

        public void Dispose()
        {
            foreach (var command in new[] { _entry, _replace, _provide, _name, _provided, _problem, _role, _meta }) command.Dispose();
        }
    }
}
