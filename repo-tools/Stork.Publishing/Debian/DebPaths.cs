namespace Stork.Publishing.Debian;

/// <summary>Path handling of the importer: tar names to package paths, merged-/usr relocation, symlink targets.</summary>
public static class DebPaths
{
    /// <summary>Top-level folders that are symlinks into usr/ on merged-/usr systems (Debian 12 and later).</summary>
    public static readonly string[] MergedDirectories = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

    /// <summary>"./usr/bin/" → "usr/bin"; "./" → "".</summary>
    public static string FromTarName(string name)
    {
        var n = name;
        if (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        else if (n == ".") n = "";
        n = n.TrimStart('/').TrimEnd('/');
        return n;
    }

    /// <summary>"bin/ls" → "usr/bin/ls" and "lib" → "usr/lib" when <paramref name="mergedUsr"/>.</summary>
    public static string Relocate(string path, bool mergedUsr)
    {
        if (!mergedUsr || path.Length == 0) return path;
        foreach (var d in MergedDirectories)
            if (path == d || path.StartsWith(d + "/", StringComparison.Ordinal)) return "usr/" + path;
        return path;
    }

    /// <summary>Lexically resolves <paramref name="target"/> (absolute or relative to the link's folder) to a root-relative path; ".." stops at the root.</summary>
    public static string Resolve(string linkPath, string target)
    {
        var parts = new List<string>();
        if (!target.StartsWith('/'))
        {
            var slash = linkPath.LastIndexOf('/');
            if (slash > 0) parts.AddRange(linkPath[..slash].Split('/'));
        }
        foreach (var c in target.Split('/'))
        {
            if (c.Length == 0 || c == ".") continue;
            if (c == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(c);
        }
        return string.Join('/', parts);
    }

    /// <summary>The relative spelling of root-relative <paramref name="to"/> seen from the folder of <paramref name="linkPath"/>.</summary>
    public static string Relative(string linkPath, string to)
    {
        var from = linkPath.Contains('/') ? linkPath[..linkPath.LastIndexOf('/')].Split('/') : [];
        var dest = to.Length == 0 ? [] : to.Split('/');
        var common = 0;
        while (common < from.Length && common < dest.Length && from[common] == dest[common]) common++;
        var parts = Enumerable.Repeat("..", from.Length - common).Concat(dest.Skip(common)).ToList();
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }
}
