namespace Stork.Format.Debian;

/// <summary>
/// Debian relation operators as NuGet intervals over mapped versions (format-spec/PACKAGE-FORMAT.md §8).
/// Because the mapping preserves order and equality, each interval holds exactly the versions dpkg accepts.
/// </summary>
public static class DebianConstraint
{
    /// <summary>
    /// <c>&lt;&lt; v</c> → <c>(,m)</c>; <c>&lt;= v</c> → <c>(,m]</c>; <c>= v</c> → <c>[m]</c>; <c>&gt;= v</c> → <c>[m,)</c>;
    /// <c>&gt;&gt; v</c> → <c>(m,)</c>. The obsolete <c>&lt;</c> and <c>&gt;</c> mean <c>&lt;=</c> and <c>&gt;=</c>, as for dpkg.
    /// </summary>
    public static string ToRange(string op, string debianVersion)
    {
        var m = DebianVersionMapping.ToSemVer(debianVersion);
        return op switch
        {
            "<<" => $"(,{m})",
            "<=" or "<" => $"(,{m}]",
            "=" => $"[{m}]",
            ">=" or ">" => $"[{m},)",
            ">>" => $"({m},)",
            _ => throw new DebianFormatException($"Debian relation: unknown operator '{op}'"),
        };
    }

    /// <summary>dpkg's truth for "v op bound".</summary>
    public static bool Holds(DebianVersion v, string op, DebianVersion bound)
    {
        var c = v.CompareTo(bound);
        return op switch
        {
            "<<" => c < 0,
            "<=" or "<" => c <= 0,
            "=" => c == 0,
            ">=" or ">" => c >= 0,
            ">>" => c > 0,
            _ => throw new DebianFormatException($"Debian relation: unknown operator '{op}'"),
        };
    }

    public static readonly string[] Operators = ["<<", "<=", "=", ">=", ">>"];
}
