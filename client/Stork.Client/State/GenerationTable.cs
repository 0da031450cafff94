namespace Stork.Client.State;

/// <summary>One generation of a guest: the package set after one successful change.</summary>
public sealed record GenerationRecord(int Number, long Created, string Summary, IReadOnlyList<InstalledPackage> Packages);

/// <summary>The generations and generation_packages tables: the package set after each successful change.</summary>
public sealed class GenerationTable
{
    internal static readonly string[] Tables = ["generations", "generation_packages"];

    private readonly SqlSession _sql;

    internal GenerationTable(SqlSession sql) => _sql = sql;

    /// <summary>The guest's newest generation number, 0 before its first change.</summary>
    public int Current(string guest) =>
        (int)_sql.Integer("SELECT COALESCE(MAX(number), 0) FROM generations WHERE guest = $guest", ("$guest", guest));

    public IReadOnlyList<GenerationRecord> List(string guest)
    {
        var generations = _sql.Query("SELECT number, created, summary FROM generations WHERE guest = $guest ORDER BY number",
            r => (Number: r.GetInt32(0), Created: r.GetInt64(1), Summary: r.GetString(2)), ("$guest", guest));
        var packages = _sql.Query("SELECT number, name, version, blob_sha256, manual FROM generation_packages WHERE guest = $guest ORDER BY number, name",
                r => (Number: r.GetInt32(0), Package: new InstalledPackage(r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) != 0)), ("$guest", guest))
            .GroupBy(p => p.Number)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<InstalledPackage>)g.Select(p => p.Package).ToList());
        return generations.Select(g => new GenerationRecord(g.Number, g.Created, g.Summary, packages.GetValueOrDefault(g.Number) ?? [])).ToList();
    }

    /// <summary>Drops all but the newest <paramref name="keep"/> generations of a guest (the current one is always kept).</summary>
    public int Prune(string guest, int keep) =>
        _sql.Execute("DELETE FROM generations WHERE guest = $guest AND number <= (SELECT MAX(number) FROM generations WHERE guest = $guest) - $keep",
            ("$guest", guest), ("$keep", Math.Max(1, keep)));

    /// <summary>Records the next generation with these packages; returns its number (part of <see cref="HostDatabase.CommitGeneration"/>).</summary>
    internal int Add(string guest, IReadOnlyList<InstalledPackage> packages, string summary, DateTimeOffset created)
    {
        int number = Current(guest) + 1;
        _sql.Execute("INSERT INTO generations(guest, number, created, summary) VALUES ($guest, $number, $created, $summary)",
            ("$guest", guest), ("$number", number), ("$created", created.ToUnixTimeSeconds()), ("$summary", summary));
        _sql.ExecuteEach("INSERT INTO generation_packages(guest, number, name, version, blob_sha256, manual) VALUES ($guest, $number, $name, $version, $sha, $manual)",
            packages, p => [("$name", p.Name), ("$version", p.Version), ("$sha", p.BlobSha256), ("$manual", p.Manual ? 1 : 0)], ("$guest", guest), ("$number", number));
        return number;
    }

    /// <summary>Every blob some generation keeps.</summary>
    internal IEnumerable<string> KeptBlobs() => _sql.Query("SELECT DISTINCT blob_sha256 FROM generation_packages", r => r.GetString(0));

    /// <summary>Forgets the guest's history (part of <see cref="HostDatabase.DeleteGuest"/>).</summary>
    internal void Delete(string guest)
    {
        _sql.Execute("DELETE FROM generation_packages WHERE guest = $guest", ("$guest", guest));
        _sql.Execute("DELETE FROM generations WHERE guest = $guest", ("$guest", guest));
    }
}
