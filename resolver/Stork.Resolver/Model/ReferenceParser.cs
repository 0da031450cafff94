using NuGet.Versioning;

namespace Stork.Resolver.Model;

/// <summary>Parses the "NAME [RANGE]" text form shared by the format spec and the universe files.</summary>
public static class ReferenceParser
{
    public static Reference Parse(string text)
    {
        var (name, rest) = Split(text);
        if (rest is null) return new Reference(name, null);
        var range = ParseRange(rest) ?? throw new FormatException($"'{text}': '{rest}' is not a version range in NuGet interval notation");
        return new Reference(name, range);
    }

    public static Provide ParseProvide(string text)
    {
        var (name, rest) = Split(text);
        if (rest is null) return new Provide(name, null);
        var version = ParseVersion(rest) ?? throw new FormatException($"'{text}': '{rest}' is not a SemVer version");
        return new Provide(name, version);
    }

    /// <summary>A NuGet version; plain "MAJOR.MINOR.PATCH" (almost every universe version) skips the general parser.</summary>
    public static NuGetVersion? ParseVersion(string text)
    {
        var span = text.AsSpan();
        int firstDot = span.IndexOf('.');
        if (firstDot > 0)
        {
            int secondDot = span[(firstDot + 1)..].IndexOf('.');
            if (secondDot > 0)
            {
                secondDot += firstDot + 1;
                if (PlainNumber(span[..firstDot], out int major)
                    && PlainNumber(span[(firstDot + 1)..secondDot], out int minor)
                    && PlainNumber(span[(secondDot + 1)..], out int patch))
                    return new NuGetVersion(major, minor, patch);
            }
        }
        return NuGetVersion.TryParse(text, out var version) ? version : null;
    }

    /// <summary>
    /// A range in NuGet interval notation. The bracketed forms with plain versions are built directly (same
    /// result as <see cref="VersionRange.Parse(string)"/>, much faster); anything else goes to NuGet's parser.
    /// </summary>
    public static VersionRange? ParseRange(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.Length >= 3 && span[0] is '[' or '(' && span[^1] is ']' or ')')
        {
            bool includeMin = span[0] == '[', includeMax = span[^1] == ']';
            var body = span[1..^1];
            int comma = body.IndexOf(',');
            if (comma < 0)
            {
                // "[v]" is an exact version; "(v)" and friends are invalid, leave them to NuGet's verdict.
                if (includeMin && includeMax && Plain(body.Trim(), out var exact))
                    return new VersionRange(exact, true, exact, true);
            }
            else
            {
                var low = body[..comma].Trim();
                var high = body[(comma + 1)..].Trim();
                NuGetVersion? min = null, max = null;
                bool lowOk = low.IsEmpty || Plain(low, out min);
                bool highOk = high.IsEmpty || Plain(high, out max);
                bool openEndsExclusive = (!low.IsEmpty || !includeMin) && (!high.IsEmpty || !includeMax);
                bool ordered = min is null || max is null || min < max;
                if (lowOk && highOk && (min is not null || max is not null) && openEndsExclusive && ordered)
                    return new VersionRange(min, min is not null && includeMin, max, max is not null && includeMax);
            }
        }
        return VersionRange.TryParse(text, out var range) ? range : null;
    }

    private static bool Plain(ReadOnlySpan<char> text, out NuGetVersion? version)
    {
        version = null;
        foreach (var c in text)
            if (c is not (>= '0' and <= '9' or '.')) return false;
        version = ParseVersion(text.ToString());
        return version is not null;
    }

    private static bool PlainNumber(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 9 || (digits.Length > 1 && digits[0] == '0')) return false;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static (string Name, string? Remainder) Split(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new FormatException("empty package reference");
        int space = trimmed.IndexOf(' ');
        if (space < 0) return (trimmed, null);
        return (trimmed[..space], trimmed[(space + 1)..].Trim());
    }
}
