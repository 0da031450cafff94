using System.Text;

namespace Stork.Format.Packages;

/// <summary>Rules for paths inside a package (relative to the guest root) and for symlink targets.</summary>
public static class PackagePaths
{
    public const string ManifestPath = ".stork/manifest.json";
    public const string ReservedDirectory = ".stork";
    public const int MaxPathBytes = 4096;
    public const int MaxComponentBytes = 255;

    /// <summary>Returns null when <paramref name="path"/> is a valid payload path, else the reason it is not.</summary>
    public static string? CheckPayloadPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "empty path";
        if (path[0] == '/') return "absolute path";
        if (!IsValidUnicode(path)) return "path is not valid Unicode (lone surrogate)";
        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes) return "path too long";
        foreach (var c in path)
        {
            // Control characters and backslashes are legal on Linux but only ever used to confuse tools and humans.
            if (c < 0x20 || c == 0x7F) return "control character in path";
            if (c == '\\') return "backslash in path";
        }
        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0) return "empty path component (double or trailing slash)";
            if (component == "..") return "'..' in path";
            if (component == ".") return "'.' component in path";
            if (Encoding.UTF8.GetByteCount(component) > MaxComponentBytes) return "path component too long";
        }
        if (path == ReservedDirectory || path.StartsWith(ReservedDirectory + "/", StringComparison.Ordinal))
            return "'.stork' is reserved for package metadata";
        return null;
    }

    /// <summary>
    /// Returns null when a symlink at <paramref name="linkPath"/> pointing to <paramref name="target"/> stays inside the
    /// package root, else the reason. Only leading '..' components are allowed, so the check is purely lexical and
    /// cannot be fooled by other symlinks in the middle of the target.
    /// </summary>
    public static string? CheckSymlinkTarget(string linkPath, string? target)
    {
        if (string.IsNullOrEmpty(target)) return "empty symlink target";
        if (target[0] == '/') return "symlink target is absolute (points outside the package root)";
        if (!IsValidUnicode(target)) return "symlink target is not valid Unicode (lone surrogate)";
        if (Encoding.UTF8.GetByteCount(target) > MaxPathBytes) return "symlink target too long";
        foreach (var c in target)
            if (c < 0x20 || c == 0x7F || c == '\\') return "control character or backslash in symlink target";

        int depth = linkPath.Count(c => c == '/'); // directories between the root and the link itself
        bool seenName = false;
        foreach (var component in target.Split('/'))
        {
            if (component.Length == 0 || component == ".") return "symlink target is not in canonical form";
            if (component == "..")
            {
                if (seenName) return "'..' after a name in symlink target";
                if (--depth < 0) return "symlink points outside the package root";
            }
            else seenName = true;
        }
        if (!seenName) return "symlink target names no entry";
        return null;
    }

    /// <summary>Returns null when a hard link target is a plain path inside the package root, else the reason.</summary>
    public static string? CheckHardlinkTarget(string? target)
    {
        var problem = CheckPayloadPath(target);
        if (problem is null) return null;
        if (problem is "absolute path" or "'..' in path") return "hardlink points outside the package root";
        return "hardlink target: " + problem;
    }

    private static bool IsValidUnicode(string text)
    {
        try { TarFormat.StrictUtf8.GetByteCount(text); return true; }
        catch (EncoderFallbackException) { return false; }
    }

    /// <summary>The directory part of a package path, or null for top-level entries.</summary>
    public static string? Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? null : path[..slash];
    }
}
