using System.Security.Cryptography;
using Stork.Client.Store;

namespace Stork.Client.Tests;

/// <summary>A comparable description of a directory tree (types, modes, inodes, contents, link targets), never following symlinks.</summary>
internal static class TreeSnapshot
{
    public static List<string> Take(string root)
    {
        var lines = new List<string>();
        if (!Directory.Exists(root)) return lines;
        foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, info.FullName);
            var status = Native.LStat(info.FullName)!.Value;
            var detail = status.IsSymlink ? "-> " + info.LinkTarget
                : status.IsRegularFile ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(info.FullName)))
                : "";
            lines.Add($"{relative} {status.Mode:x} ino={status.Inode} {detail}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
