namespace Stork.Client.State;

/// <summary>
/// The adopted_packages table: which packages of a guest Stork adopted from its dpkg image, and the generation that
/// adopted each (<c>stork-get adopt</c>; HOST-STATE.md, "Adopting the image"). A row whose package is not installed
/// (a change that did not finish) guards nothing.
/// </summary>
public sealed class AdoptionTable
{
    internal static readonly string[] Tables = ["adopted_packages"];

    private readonly SqlSession _sql;

    internal AdoptionTable(SqlSession sql) => _sql = sql;

    /// <summary>Adopted package name → the generation that adopted it.</summary>
    public IReadOnlyDictionary<string, int> Load(string guest) =>
        _sql.Query("SELECT name, generation FROM adopted_packages WHERE guest = $guest ORDER BY name", r => (Name: r.GetString(0), Generation: r.GetInt32(1)), ("$guest", guest))
            .ToDictionary(p => p.Name, p => p.Generation, StringComparer.Ordinal);

    /// <summary>Records (or re-records, after a change that did not finish) the names as adopted by <paramref name="generation"/>.</summary>
    public void Add(string guest, IEnumerable<string> names, int generation) => _sql.InTransaction(() =>
        _sql.ExecuteEach("INSERT OR REPLACE INTO adopted_packages(guest, name, generation) VALUES ($guest, $name, $generation)",
            names, name => [("$name", name)], ("$guest", guest), ("$generation", generation)));

    /// <summary>Rows of an older host's record file (<see cref="LegacyAdoptionFiles"/>); a row already here wins.</summary>
    internal void Import(string guest, IReadOnlyDictionary<string, int> adopted) => _sql.InTransaction(() =>
        _sql.ExecuteEach("INSERT OR IGNORE INTO adopted_packages(guest, name, generation) VALUES ($guest, $name, $generation)",
            adopted, p => [("$name", p.Key), ("$generation", p.Value)], ("$guest", guest)));

    /// <summary>The guest's rows only (part of <see cref="HostDatabase.DeleteGuest"/>).</summary>
    internal void Delete(string guest) => _sql.Execute("DELETE FROM adopted_packages WHERE guest = $guest", ("$guest", guest));
}
