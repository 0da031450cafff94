using System.Text;
using Microsoft.Data.Sqlite;

namespace Stork.Client.Packages;

/// <summary>The lookups a command makes (<see cref="PackageIndex"/>): a few indexed rows each, every row checked.</summary>
internal sealed partial class IndexDatabase
{
    private readonly Dictionary<string, PackageEntry> _decoded = new(StringComparer.Ordinal);
    private readonly Lock _lookups = new();

    /// <summary>Versions of a name, newest first.</summary>
    public IReadOnlyList<PackageEntry> VersionsOf(string name) => Locked(() =>
    {
        if (NameRow(name) is not { } row) return [];
        var entries = new List<PackageEntry>(row.Count);
        using (var command = Command("SELECT path, role, data, sum FROM entries WHERE name = $name", ("$name", name)))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) entries.Add(EntryOf(reader.GetString(0), name, reader.GetString(1), Blob(reader, 2), Blob(reader, 3)));
        if (entries.Count != row.Count) throw new InvalidDataException($"name {name}: {entries.Count} entries where its row says {row.Count}");
        entries.Sort(PackageIndex.NewestFirst);
        return entries;
    });

    /// <summary>The entries that provide a name, in target path order (an entry once per time it provides it);
    /// a provide the trust policy refused is listed as signed but is no provider.</summary>
    public IReadOnlyList<PackageEntry> ProvidersOf(string name) => Locked(() =>
    {
        int? count = null;
        using (var command = Command("SELECT count, sum FROM provided WHERE name = $name", ("$name", name)))
        using (var reader = command.ExecuteReader())
            if (reader.Read())
            {
                count = reader.GetInt32(0);
                RowSum.Check(Blob(reader, 1), $"provided name {name}", "provided", [], name, $"{count}");
            }
        if (count is null) return [];
        var refs = new List<(string Path, long Seq)>();
        using (var command = Command("SELECT path, seq, sum FROM provides WHERE name = $name", ("$name", name)))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var (path, seq) = (reader.GetString(0), reader.GetInt64(1));
                RowSum.Check(Blob(reader, 2), $"provide {seq} of {path}", "provides", [], name, path, $"{seq}");
                refs.Add((path, seq));
            }
        if (refs.Count != count) throw new InvalidDataException($"provided name {name}: {refs.Count} provides where its row says {count}");
        var list = new List<PackageEntry>(refs.Count);
        foreach (var (path, _) in refs.OrderBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Seq))
        {
            var entry = EntryAt(path) ?? throw new InvalidDataException($"provide of {name} by {path}, which is no entry");
            if (entry.Candidate.Provides.Any(p => p.Name == name)) list.Add(entry);
        }
        return list;
    });

    /// <summary>The newest entry of every name whose name or newest summary contains the text (ignoring case), in name order.</summary>
    public IReadOnlyList<PackageEntry> Search(string text) => Locked(() =>
    {
        var match = new TextMatch(text);
        // SQLite's lower() folds ASCII only: rows of ASCII text are filtered there, the others here (each hit is checked here again).
        using var command = match.IsAscii
            ? Command("SELECT name, summary, count, newest, sum FROM names WHERE ascii = 0 OR instr(lower(name), $text) > 0 OR instr(lower(summary), $text) > 0",
                ("$text", text.ToLowerInvariant()))
            : Command("SELECT name, summary, count, newest, sum FROM names");
        var hits = new List<NameRowValue>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var row = NameRowOf(reader);
                if (match.IsIn(row.Name) || match.IsIn(row.Summary)) hits.Add(row);
            }
        hits.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return hits.Select(h => EntryAt(h.Newest) is { } e && e.Name == h.Name ? e : throw new InvalidDataException($"name {h.Name}: its newest entry {h.Newest} is missing")).ToList();
    });

    /// <summary>Every name (each row checked).</summary>
    public IReadOnlyCollection<string> Names() => Locked(() =>
    {
        var names = new List<string>();
        using var command = Command("SELECT name, summary, count, newest, sum FROM names");
        using var reader = command.ExecuteReader();
        while (reader.Read()) names.Add(NameRowOf(reader).Name);
        return (IReadOnlyCollection<string>)names;
    });

    private sealed record NameRowValue(string Name, string Summary, int Count, string Newest);

    private NameRowValue? NameRow(string name)
    {
        using var command = Command("SELECT name, summary, count, newest, sum FROM names WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? NameRowOf(reader) : null;
    }

    private static NameRowValue NameRowOf(SqliteDataReader reader)
    {
        var row = new NameRowValue(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3));
        RowSum.Check(Blob(reader, 4), $"name {row.Name}", "names", [], row.Name, row.Summary, $"{row.Count}", row.Newest);
        if (row.Count <= 0) throw new InvalidDataException($"name {row.Name}: {row.Count} entries");
        return row;
    }

    /// <summary>The entry at a target path (checked), or null when there is none.</summary>
    private PackageEntry? EntryAt(string path)
    {
        if (_decoded.TryGetValue(path, out var known)) return known;
        using var command = Command("SELECT name, role, data, sum FROM entries WHERE path = $path", ("$path", path));
        using var reader = command.ExecuteReader();
        return reader.Read() ? EntryOf(path, reader.GetString(0), reader.GetString(1), Blob(reader, 2), Blob(reader, 3)) : null;
    }

    /// <summary>An entry row checked and decoded; the first decoded copy of a path is the one every caller gets.</summary>
    private PackageEntry EntryOf(string path, string name, string role, byte[]? data, byte[]? sum)
    {
        if (_decoded.TryGetValue(path, out var known) && known.Name == name) return known;
        if (data is null) throw new InvalidDataException($"entry {path}: no data");
        RowSum.Check(sum, $"entry {path}", "entries", data, path, name, role);
        var entry = EntryCodec.Decode(data, $"entry {path}");
        if (entry.TargetPath != path || entry.Name != name || entry.Role != role)
            throw new InvalidDataException($"entry {path}: its row says {name} from {role}, its data {entry.Name} at {entry.TargetPath} from {entry.Role}");
        return _decoded[path] = entry;
    }

    /// <summary>Every row of every table as text, sorted (the tests compare an updated cache with a full build's).</summary>
    internal List<string> Rows() => Locked(() =>
    {
        var rows = new List<string>();
        foreach (var table in Tables)
        {
            using var command = Command($"SELECT * FROM {table}");
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add($"{table}: " + string.Join(" | ", Enumerable.Range(0, reader.FieldCount)
                    .Select(i => reader.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : $"{reader.GetValue(i)}")));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    });

    /// <summary>Lookups may come from several threads; one connection serves them in turn.</summary>
    private T Locked<T>(Func<T> lookup)
    {
        lock (_lookups) return Guard(lookup);
    }

    /// <summary>"Contains, ignoring case" (as string.Contains with OrdinalIgnoreCase).</summary>
    private sealed class TextMatch(string text)
    {
        public bool IsAscii { get; } = Ascii.IsValid(text);

        public bool IsIn(string value) => value.Contains(text, StringComparison.OrdinalIgnoreCase);
    }
}
