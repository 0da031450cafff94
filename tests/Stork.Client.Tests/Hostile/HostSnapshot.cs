using System.Security.Cryptography;
using Stork.Client.Store;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// A victim directory outside every guest: each entry's type, mode, size, content hash, link count, inode and
/// immutable flag. Equal snapshots before and after mean nothing there was written, replaced, chmodded or flagged.
/// </summary>
internal static class HostSnapshot
{
    public static SortedDictionary<string, string> Take(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Append(dir))
        {
            var s = Native.LStat(path)!.Value;
            var sha = s.IsRegularFile ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : s.IsSymlink ? new FileInfo(path).LinkTarget : "";
            result[path] = $"mode={s.Mode:x} size={s.Size} links={s.LinkCount} ino={s.Inode} immutable={s.IsImmutable} {sha}";
        }
        return result;
    }

    /// <summary>Creates the victim tree: files, a subdirectory, a hard-linked pair.</summary>
    public static string Create(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "secret"), "host secret\n");
        File.WriteAllText(Path.Combine(root, "sub", "config"), "host config\n");
        File.WriteAllText(Path.Combine(root, "a.so"), "host library\n");
        Native.Link(Path.Combine(root, "secret"), Path.Combine(root, "secret.link"));
        return root;
    }
}
