using NuGet.Versioning;

namespace Stork.Format.Packages;

/// <summary>Validation of the textual pieces of a package header: names, versions, references, provides.</summary>
public static class PackageNames
{
    public const int MaxNameLength = 128;

    /// <summary>True when <paramref name="name"/> matches [a-z0-9][a-z0-9+._-]*.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength) return false;
        if (!IsLowerAlnum(name[0])) return false;
        foreach (var c in name)
            if (!IsLowerAlnum(c) && c is not ('+' or '.' or '_' or '-')) return false;
        return true;
    }

    /// <summary>Parses a strict SemVer 2 version: three numeric parts, optional prerelease and metadata, no leading zeros.</summary>
    public static bool TryParseVersion(string? text, out SemanticVersion version)
    {
        version = null!;
        if (string.IsNullOrEmpty(text) || text.Length > 256) return false;
        if (!SemanticVersion.TryParse(text, out var parsed)) return false;
        // Round-tripping rejects non-canonical spellings such as "01.0.0" so one version has one spelling.
        if (!string.Equals(parsed.ToFullString(), text, StringComparison.Ordinal)) return false;
        version = parsed;
        return true;
    }

    /// <summary>Validates "NAME" or "NAME RANGE" with RANGE in NuGet interval notation; returns null when valid, else the reason.</summary>
    public static string? CheckReference(string? text)
    {
        if (text is null) return "null reference";
        var (name, rest) = Split(text);
        if (!IsValidName(name)) return $"'{text}': '{name}' is not a valid package name";
        if (rest is null) return null;
        if (!(rest.StartsWith('[') || rest.StartsWith('(')))
            return $"'{text}': version range must use interval notation, e.g. [1.0.0,)";
        if (!VersionRange.TryParse(rest, allowFloating: false, out _))
            return $"'{text}': '{rest}' is not a version range in NuGet interval notation";
        return null;
    }

    /// <summary>Validates "NAME" or "NAME VERSION"; returns null when valid, else the reason.</summary>
    public static string? CheckProvide(string? text)
    {
        if (text is null) return "null provide";
        var (name, rest) = Split(text);
        if (!IsValidName(name)) return $"'{text}': '{name}' is not a valid package name";
        if (rest is null) return null;
        if (!TryParseVersion(rest, out _)) return $"'{text}': '{rest}' is not a SemVer 2 version";
        return null;
    }

    private static (string Name, string? Remainder) Split(string text)
    {
        // Exactly one space separates name and range; anything else is not the canonical form.
        int space = text.IndexOf(' ');
        if (space < 0) return (text, null);
        return (text[..space], text[(space + 1)..]);
    }

    private static bool IsLowerAlnum(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';
}
