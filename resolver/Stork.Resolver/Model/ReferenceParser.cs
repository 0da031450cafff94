using NuGet.Versioning;

namespace Stork.Resolver.Model;

/// <summary>Parses the "NAME [RANGE]" text form shared by the format spec and the universe files.</summary>
public static class ReferenceParser
{
    public static Reference Parse(string text)
    {
        var (name, rest) = Split(text);
        if (rest is null) return new Reference(name, null);
        if (!VersionRange.TryParse(rest, out var range))
            throw new FormatException($"'{text}': '{rest}' is not a version range in NuGet interval notation");
        return new Reference(name, range);
    }

    public static Provide ParseProvide(string text)
    {
        var (name, rest) = Split(text);
        if (rest is null) return new Provide(name, null);
        if (!NuGetVersion.TryParse(rest, out var version))
            throw new FormatException($"'{text}': '{rest}' is not a SemVer version");
        return new Provide(name, version);
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
