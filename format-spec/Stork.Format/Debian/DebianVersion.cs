namespace Stork.Format.Debian;

/// <summary>
/// A parsed Debian version <c>[epoch:]upstream[-revision]</c> (Debian Policy §5.6.12), with dpkg's comparison.
/// The comparison is here so that tests and tools can reason about versions without dpkg; the normative proof
/// that <see cref="DebianVersionMapping"/> preserves Debian's order is the corpus test against libapt.
/// </summary>
public sealed class DebianVersion : IComparable<DebianVersion>, IEquatable<DebianVersion>
{
    public long Epoch { get; }
    public string Upstream { get; }
    /// <summary>The revision, or "" when the version has none (dpkg treats "" like "0").</summary>
    public string Revision { get; }
    /// <summary>The text as given.</summary>
    public string Original { get; }

    DebianVersion(long epoch, string upstream, string revision, string original)
    {
        Epoch = epoch; Upstream = upstream; Revision = revision; Original = original;
    }

    public static bool TryParse(string text, out DebianVersion? version, out string? problem)
    {
        version = null;
        problem = Check(text, out var epoch, out var upstream, out var revision);
        if (problem is not null) return false;
        version = new DebianVersion(epoch, upstream!, revision!, text);
        return true;
    }

    public static DebianVersion Parse(string text) =>
        TryParse(text, out var v, out var problem) ? v! : throw new DebianFormatException($"Debian version '{text}': {problem}");

    static string? Check(string text, out long epoch, out string? upstream, out string? revision)
    {
        epoch = 0; upstream = null; revision = null;
        if (string.IsNullOrEmpty(text)) return "empty";
        if (text.Length > 256) return "longer than 256 characters";
        var rest = text;
        var colon = rest.IndexOf(':');
        if (colon >= 0)
        {
            var e = rest[..colon];
            if (e.Length == 0 || e.Length > 9 || !e.All(char.IsAsciiDigit)) return "epoch is not a number of at most 9 digits";
            epoch = long.Parse(e, System.Globalization.CultureInfo.InvariantCulture);
            rest = rest[(colon + 1)..];
        }
        var dash = rest.LastIndexOf('-');
        if (dash >= 0)
        {
            revision = rest[(dash + 1)..];
            rest = rest[..dash];
            if (revision.Length == 0) return "empty revision after '-'";
            foreach (var c in revision)
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '+' or '~'))
                    return $"invalid character '{Printable(c)}' in revision";
        }
        else revision = "";
        if (rest.Length == 0) return "empty upstream version";
        if (!char.IsAsciiDigit(rest[0])) return "upstream version does not start with a digit";
        foreach (var c in rest)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '+' or '~' or '-' or ':'))
                return $"invalid character '{Printable(c)}' in upstream version";
        upstream = rest;
        var run = 0;
        foreach (var c in text)
            if (!char.IsAsciiDigit(c)) run = 0;
            else if (++run > 35) return "a number has more than 35 digits";
        return null;
    }

    static string Printable(char c) => c < 0x20 || c == 0x7f ? $"\\x{(int)c:x2}" : c.ToString();

    public int CompareTo(DebianVersion? other)
    {
        if (other is null) return 1;
        var c = Epoch.CompareTo(other.Epoch);
        if (c != 0) return c;
        c = VerRevCmp(Upstream, other.Upstream);
        return c != 0 ? c : VerRevCmp(Revision, other.Revision);
    }

    public bool Equals(DebianVersion? other) => other is not null && CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is DebianVersion v && Equals(v);
    public override int GetHashCode() => DebianVersionMapping.ToSemVer(this).GetHashCode(StringComparison.Ordinal);
    public override string ToString() => Original;

    /// <summary>dpkg's order of one character in a non-digit run: '~' first, then the end, letters, other characters.</summary>
    internal static int Order(char c) =>
        char.IsAsciiDigit(c) ? 0 : char.IsAsciiLetter(c) ? c : c == '~' ? -1 : c + 256;

    /// <summary>dpkg's <c>verrevcmp</c>: alternate non-digit runs (by <see cref="Order"/>) and digit runs (numerically).</summary>
    internal static int VerRevCmp(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                var ac = i < a.Length ? Order(a[i]) : 0;
                var bc = j < b.Length ? Order(b[j]) : 0;
                if (ac != bc) return ac - bc;
                i++; j++;
            }
            while (i < a.Length && a[i] == '0') i++;
            while (j < b.Length && b[j] == '0') j++;
            var first = 0;
            while (i < a.Length && char.IsAsciiDigit(a[i]) && j < b.Length && char.IsAsciiDigit(b[j]))
            {
                if (first == 0) first = a[i] - b[j];
                i++; j++;
            }
            if (i < a.Length && char.IsAsciiDigit(a[i])) return 1;
            if (j < b.Length && char.IsAsciiDigit(b[j])) return -1;
            if (first != 0) return first;
        }
        return 0;
    }
}
