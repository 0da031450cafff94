namespace Stork.Resolver.Search;

/// <summary>
/// Which free package a clause picks first (compiled clauses are sorted this way): the lowest name in ordinal order, then the newest version.
/// Ordering by name rather than by the written order of alternatives is what libsolv does; it keeps our
/// solutions close to libsolv's (sizes within a few percent on the Debian jobs).
/// </summary>
internal static class AlternativeOrder
{
    public static bool Precedes(PackagePool pool, int candidate, int current) => Compare(pool, candidate, current) < 0;

    public static int Compare(PackagePool pool, int left, int right)
    {
        if (left == right) return 0;
        var a = pool.CandidateOf(left);
        var b = pool.CandidateOf(right);
        int byName = string.CompareOrdinal(a.Name, b.Name);
        return byName != 0 ? byName : b.Version.CompareTo(a.Version);
    }
}
