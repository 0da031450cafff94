using System.Globalization;
using System.Text;
using NuGet.Versioning;

namespace Stork.Format.Debian;

/// <summary>
/// Maps a Debian version to one canonical SemVer 2 version such that NuGet.Versioning's default comparer (the
/// resolver's) orders any two mapped versions exactly as dpkg orders the Debian ones, equality included. The mapping
/// depends on the version string alone. Normative description: format-spec/PACKAGE-FORMAT.md §8.
/// <para>
/// <c>EPOCH.N0.0-deb.LABELS</c>: N0 is the upstream version's leading number. The rest of the upstream version, then
/// the revision, are split into dpkg's alternating (non-digit run, number) pairs; each run becomes one identifier
/// <c>x</c> + character codes + <c>1</c>, each number one numeric identifier, and each part ends with the
/// identifier <c>x1</c> (which sorts as dpkg's "end of string": above runs starting with '~', below all others).
/// </para>
/// </summary>
public static class DebianVersionMapping
{
    /// <summary>Largest value carried as a plain number (NuGet parses numeric identifiers and version parts as Int32).</summary>
    const long Cap = int.MaxValue;

    public static string ToSemVer(string debianVersion) => ToSemVer(DebianVersion.Parse(debianVersion));

    public static NuGetVersion ToNuGet(DebianVersion version) => NuGetVersion.Parse(ToSemVer(version));

    public static string ToSemVer(DebianVersion version)
    {
        var labels = new List<string> { Marker };
        var upstream = Pairs(version.Upstream);
        var (_, n0) = upstream[0];
        long minor;
        if (n0.Length <= 9 || BigInteger(n0) < Cap) minor = long.Parse(n0, CultureInfo.InvariantCulture);
        else { minor = Cap; labels.Add(Number(n0)); }
        for (var i = 1; i < upstream.Count; i++) AddPair(labels, upstream[i]);
        labels.Add(End);
        var revision = Pairs(version.Revision);
        if (revision.Count == 0) revision.Add(("", "0"));
        foreach (var pair in revision) AddPair(labels, pair);
        labels.Add(End);
        return $"{version.Epoch}.{minor}.0-{string.Join('.', labels)}";
    }

    /// <summary>
    /// First prerelease identifier of every mapped version. It does not change the order among mapped versions, and
    /// lets the resolver tell a mapped Debian version from a real prerelease (RESOLVER-SEMANTICS.md rule 6).
    /// </summary>
    public const string Marker = "deb";

    /// <summary>The identifier that ends the upstream part and the revision part: the code of an empty run.</summary>
    const string End = "x1";

    static void AddPair(List<string> labels, (string Run, string Digits) pair)
    {
        labels.Add(Run(pair.Run));
        labels.Add(Number(pair.Digits));
    }

    /// <summary>
    /// One non-digit run as an identifier that compares (case-insensitively, as NuGet does) like dpkg compares runs:
    /// '~' → 0, end → 1, 'A'..'Z' → 2a..2z, 'a'..'y' → themselves, 'z' → z0, '+' → zb, '-' → zd, '.' → zp, ':' → zx.
    /// The codes are prefix-free and ordered as dpkg orders the characters, and the leading 'x' keeps every run
    /// identifier alphanumeric.
    /// </summary>
    internal static string Run(string run)
    {
        var sb = new StringBuilder(run.Length + 3).Append('x');
        foreach (var c in run)
        {
            sb.Append(c switch
            {
                '~' => "0",
                >= 'A' and <= 'Z' => "2" + char.ToLowerInvariant(c),
                >= 'a' and <= 'y' => c.ToString(),
                'z' => "z0",
                '+' => "zb",
                '-' => "zd",
                '.' => "zp",
                ':' => "zx",
                _ => throw new DebianFormatException($"Debian version: invalid character '{c}'"),
            });
        }
        return sb.Append('1').ToString();
    }

    /// <summary>
    /// A digit run as a numeric identifier (leading zeros dropped; empty = 0), or, from 2^31-1 up, as <c>n</c> +
    /// a length letter (a = 10 digits … z = 35) + the digits: alphanumeric, so above every numeric identifier, and
    /// ordered by length then digits.
    /// </summary>
    internal static string Number(string digits)
    {
        var d = digits.TrimStart('0');
        if (d.Length == 0) return "0";
        if (d.Length < 10 || (d.Length == 10 && BigInteger(d) < Cap)) return d;
        if (d.Length > 35) throw new DebianFormatException($"Debian version: number '{digits}' has more than 35 digits");
        return "n" + (char)('a' + d.Length - 10) + d;
    }

    static decimal BigInteger(string digits)
    {
        var d = digits.TrimStart('0');
        return d.Length > 20 ? decimal.MaxValue : decimal.Parse(d.Length == 0 ? "0" : d, CultureInfo.InvariantCulture);
    }

    /// <summary>dpkg's alternating (non-digit run, digit run) pairs of one part.</summary>
    static List<(string Run, string Digits)> Pairs(string part)
    {
        var pairs = new List<(string, string)>();
        var i = 0;
        while (i < part.Length)
        {
            var start = i;
            while (i < part.Length && !char.IsAsciiDigit(part[i])) i++;
            var run = part[start..i];
            start = i;
            while (i < part.Length && char.IsAsciiDigit(part[i])) i++;
            pairs.Add((run, part[start..i]));
        }
        return pairs;
    }
}
