namespace Stork.Format.Packages;

/// <summary>Owner and group members of manifest entries (PACKAGE-FORMAT.md §3.1).</summary>
public static class PackageOwners
{
    /// <summary>"NAME:ID": a POSIX-ish account name (at most 32 characters) and a decimal id below 2^32-1; not root.</summary>
    public static string? Check(string? text)
    {
        if (text is null) return null;
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon > 32) return $"'{text}' is not NAME:ID";
        var name = text[..colon];
        var id = text[(colon + 1)..];
        if (!(char.IsAsciiLetterLower(name[0]) || name[0] == '_')) return $"'{text}': account name must start with a-z or _";
        foreach (var c in name)
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.')) return $"'{text}': invalid character in account name";
        if (id.Length == 0 || id.Length > 10 || !id.All(char.IsAsciiDigit) || (id.Length > 1 && id[0] == '0')
            || ulong.Parse(id, System.Globalization.CultureInfo.InvariantCulture) >= uint.MaxValue) return $"'{text}': id is not a decimal below 4294967295";
        if (name == "root" && id == "0") return $"'{text}': root is written by omitting the member";
        return null;
    }

}
