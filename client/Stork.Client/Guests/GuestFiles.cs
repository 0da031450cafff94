using System.Security.Cryptography;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// The file operations that change a guest. Every replacement is made under a temporary name in the target's
/// directory and renamed over the target, so a path is always either the old or the new file, never half-written.
/// </summary>
internal static class GuestFiles
{
    public static string TempNameBeside(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".stork-tmp-{Guid.NewGuid():N}");

    /// <summary>Hard-links a store file over <paramref name="path"/>. Throws <see cref="CrossDeviceLinkException"/> on EXDEV.</summary>
    public static void LinkOver(string storeFile, string path) =>
        ReplaceWith(path, temp => Native.Link(storeFile, temp));

    /// <summary>Copies a store file over <paramref name="path"/> with the manifest mode (write bits included).</summary>
    public static void CopyOver(string source, string path, int mode) => ReplaceWith(path, temp =>
    {
        File.Copy(source, temp);
        UnixPermissions.Set(temp, mode);
    });

    public static void CreateEmptyOver(string path, int mode) => ReplaceWith(path, temp =>
    {
        File.Create(temp).Dispose();
        UnixPermissions.Set(temp, mode);
    });

    public static void SymlinkOver(string path, string target) =>
        ReplaceWith(path, temp => File.CreateSymbolicLink(temp, target));

    public static void EnsureDirectory(string path, int mode, FileStatus? existing)
    {
        if (existing is { IsDirectory: false }) File.Delete(path); // an old package's file or symlink; preflight allowed it
        if (existing is not { IsDirectory: true }) Directory.CreateDirectory(path);
        UnixPermissions.Set(path, mode);
    }

    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void ReplaceWith(string path, Action<string> createAtTemp)
    {
        var temp = TempNameBeside(path);
        try
        {
            createAtTemp(temp);
            Native.Rename(temp, path);
        }
        finally
        {
            if (Native.LStat(temp) is not null) File.Delete(temp);
        }
    }
}
