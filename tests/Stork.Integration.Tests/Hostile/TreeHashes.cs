using System.Security.Cryptography;
using Stork.Client.Store;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// Snapshots for the hostile suite: a directory tree entry by entry (type, mode, size, link count, inode, immutable
/// flag, content hash or symlink target), and the checks every store file must pass.
/// </summary>
internal static class TreeHashes
{
    public static SortedDictionary<string, string> Take(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Append(dir))
        {
            var s = Native.LStat(path)!.Value;
            var what = s.IsRegularFile ? Sha(path) : s.IsSymlink ? new FileInfo(path).LinkTarget : "";
            result[path] = $"mode={s.Mode:x} size={s.Size} links={s.LinkCount} ino={s.Inode} immutable={s.IsImmutable} {what}";
        }
        return result;
    }

    /// <summary>Content of every regular file under <paramref name="dir"/> (what another guest would read).</summary>
    public static SortedDictionary<string, string> Contents(string dir) =>
        new(Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => Native.LStat(f) is { IsRegularFile: true })
            .ToDictionary(f => f, Sha), StringComparer.Ordinal);

    /// <summary>A victim tree outside every guest: files, a subdirectory, a hard-linked pair.</summary>
    public static string CreateVictim(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "secret"), "host secret\n");
        File.WriteAllText(Path.Combine(root, "sub", "config"), "host config\n");
        File.WriteAllText(Path.Combine(root, "VERSION"), "host version file\n");
        Native.Link(Path.Combine(root, "secret"), Path.Combine(root, "secret.link"));
        return root;
    }

    /// <summary>
    /// Store files of every sharing group (not temporaries) that are not immutable or whose content does not hash
    /// to their name (SHA256-MODE).
    /// </summary>
    public static List<string> BadStoreFiles(string stateDir)
    {
        var store = Path.Combine(stateDir, "store");
        var roots = new List<string> { Path.Combine(store, "files") };
        if (Directory.Exists(Path.Combine(store, "groups"))) roots.AddRange(Directory.EnumerateDirectories(Path.Combine(store, "groups")));
        var bad = new List<string>();
        foreach (var file in roots.Where(Directory.Exists).SelectMany(r => Directory.EnumerateDirectories(r)).Where(d => Path.GetFileName(d) != "tmp").SelectMany(Directory.EnumerateFiles))
        {
            var name = Path.GetFileName(file);
            if (Native.LStat(file) is not { IsRegularFile: true, IsImmutable: true }) bad.Add($"{file}: not an immutable regular file");
            else if (!name.StartsWith(Sha(file) + "-", StringComparison.Ordinal)) bad.Add($"{file}: content does not match its name");
        }
        return bad;
    }

    /// <summary>How many store files there are (so a test knows its checks looked at something).</summary>
    public static int StoreFileCount(string stateDir) =>
        Directory.EnumerateFiles(Path.Combine(stateDir, "store"), "*", SearchOption.AllDirectories)
            .Count(f => Path.GetFileName(f).Length > 65 && Path.GetFileName(Path.GetDirectoryName(f)) is { Length: 2 });

    private static string Sha(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
