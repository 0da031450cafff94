using System.Globalization;
using System.Text;
using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>Schema 2 and before (read by migration 3 only): manifest entries as text, one line per entry, tab-separated fields, with \\, \t and \n escaped.</summary>
internal static class LegacyEntryText
{
    public static List<PackageFileEntry> Read(string text)
    {
        var entries = new List<PackageFileEntry>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            entries.Add(new PackageFileEntry
            {
                Type = PackageFileKinds.TryParse(Unescape(f[0])) ?? throw new Stork.Format.Errors.LocalException($"the host state database holds an unknown entry type '{Unescape(f[0])}'"),
                Path = Unescape(f[1]),
                Mode = f[2].Length == 0 ? null : Unescape(f[2]),
                Sha256 = f[3].Length == 0 ? null : f[3],
                Size = f[4].Length == 0 ? null : long.Parse(f[4], CultureInfo.InvariantCulture),
                Target = f[5].Length == 0 ? null : Unescape(f[5][1..]),
                Config = f[6] == "1" ? true : null,
            });
        }
        return entries;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var b = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
                b.Append(s[i] switch { 't' => '\t', 'n' => '\n', _ => s[i] });
            }
            else b.Append(s[i]);
        }
        return b.ToString();
    }
}

/// <summary>Schema 2 and before (read by migration 3 only): a desired package set as text, one "name version sha length manual" line per package.</summary>
internal static class LegacyDesiredText
{
    public static List<DesiredPackage> Read(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split(' '))
        .Select(f => new DesiredPackage(f[0], f[1], f[2], long.Parse(f[3], CultureInfo.InvariantCulture), f[4] == "1"))
        .ToList();
}
