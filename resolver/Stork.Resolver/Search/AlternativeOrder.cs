namespace Stork.Resolver.Search;

/// <summary>
/// Which free package a clause picks first: the lowest name in ordinal order, then the newest version.
/// Ordering by name rather than by the written order of alternatives is what libsolv does; it keeps our
/// solutions close to libsolv's (sizes within a few percent on the Debian jobs).
/// </summary>
internal static class AlternativeOrder
{
    public static bool Precedes(PackagePool pool, int candidate, int current)
    {
        var a = pool.CandidateOf(candidate);
        var b = pool.CandidateOf(current);
        int byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName < 0 : a.Version > b.Version;
    }
}
