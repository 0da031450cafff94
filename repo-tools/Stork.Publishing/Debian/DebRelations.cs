using Stork.Format.Debian;
using Stork.Format.Packages;

namespace Stork.Publishing.Debian;

/// <summary>
/// Debian relationship fields (Depends, Pre-Depends, Provides, Conflicts, Breaks, Replaces) as Stork references
/// (PACKAGE-FORMAT.md §8.3). Architecture qualifiers are handled as dpkg does for one architecture: ":any",
/// ":native" and the package's own architecture name the same package; an alternative for another architecture
/// cannot be met and is dropped (noted in the report).
/// </summary>
public static class DebRelations
{
    public sealed record Relation(string Name, string? Op, string? Version, string? Arch);

    /// <summary>Parses "a (>= 1) | b:any, c" into clauses of alternatives.</summary>
    public static List<List<Relation>> Parse(string? field)
    {
        var clauses = new List<List<Relation>>();
        if (string.IsNullOrWhiteSpace(field)) return clauses;
        foreach (var clauseText in field.Split(','))
        {
            if (clauseText.Trim().Length == 0) continue;
            var clause = new List<Relation>();
            foreach (var alt in clauseText.Split('|')) clause.Add(ParseOne(alt.Trim()));
            clauses.Add(clause);
        }
        return clauses;
    }

    static Relation ParseOne(string text)
    {
        // Build profiles (<!nocheck>) and architecture restrictions ([amd64]) only occur in source packages.
        if (text.Contains('[') || text.Contains('<') && !text.Contains('('))
            throw new DebianFormatException($"relation '{text}': architecture or profile restrictions are not allowed in binary packages");
        string? op = null, version = null;
        var open = text.IndexOf('(');
        var head = open < 0 ? text : text[..open].Trim();
        if (open >= 0)
        {
            var close = text.IndexOf(')', open);
            if (close < 0) throw new DebianFormatException($"relation '{text}': missing ')'");
            var inner = text[(open + 1)..close].Trim();
            var i = 0;
            while (i < inner.Length && inner[i] is '<' or '>' or '=') i++;
            op = inner[..i];
            version = inner[i..].Trim();
            if (op.Length == 0) op = "=";
            if (op is not ("<<" or "<=" or "=" or ">=" or ">>" or "<" or ">"))
                throw new DebianFormatException($"relation '{text}': unknown operator '{op}'");
            if (version.Length == 0) throw new DebianFormatException($"relation '{text}': missing version");
        }
        string? arch = null;
        var colon = head.IndexOf(':');
        if (colon >= 0) { arch = head[(colon + 1)..]; head = head[..colon]; }
        if (!PackageNames.IsValidName(head)) throw new DebianFormatException($"relation '{text}': '{head}' is not a valid package name");
        return new Relation(head, op, version, arch);
    }

    /// <summary>True when the qualifier names a package of this architecture.</summary>
    public static bool SameArchitecture(Relation r, string architecture) =>
        r.Arch is null || r.Arch is "any" or "native" || r.Arch == architecture;

    /// <summary>"NAME" or "NAME RANGE".</summary>
    public static string ToReference(Relation r) =>
        r.Op is null ? r.Name : $"{r.Name} {DebianConstraint.ToRange(r.Op, r.Version!)}";

    /// <summary>A Provides entry: "NAME" or "NAME VERSION" (only "=" is allowed in Provides).</summary>
    public static string ToProvide(Relation r)
    {
        if (r.Op is null) return r.Name;
        if (r.Op != "=") throw new DebianFormatException($"Provides '{r.Name} ({r.Op} {r.Version})': only '=' is allowed");
        return $"{r.Name} {DebianVersionMapping.ToSemVer(r.Version!)}";
    }
}
