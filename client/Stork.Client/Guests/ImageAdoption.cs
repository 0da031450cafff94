using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Checks, before anything changes, that a package of a guest's dpkg image is on disk exactly as the published package
/// ships it (<c>stork-get adopt</c>): every directory a directory, every symlink pointing where the package's does,
/// every regular file (opened O_NOFOLLOW|O_NONBLOCK, never a FIFO or device) of the same size and SHA-256, with the
/// mode and owner Stork would give it. Everything is read through the guest root handle. Config files only have to be
/// regular files: an edited one stays the guest's and counts as edited, as after an install.
/// </summary>
public static class ImageAdoption
{
    /// <summary>Null when every entry matches; else the first path at fault and why, as "/PATH differs from the published package".</summary>
    public static string? FirstMismatch(GuestRoot root, PackageManifest manifest, Func<GuestAccounts> accounts)
    {
        foreach (var entry in manifest.Files)
            if (Mismatch(root, entry, accounts) is { } problem)
                return $"/{entry.Path} {problem}";
        return null;
    }

    private static string? Mismatch(GuestRoot root, PackageFileEntry entry, Func<GuestAccounts> accounts)
    {
        if (root.FirstNonDirectoryParent(entry.Path) is { } bad) return $"cannot be reached: /{bad} is not a directory";
        if (entry.IsDirectory) return root.IsDirectory(entry.Path) ? null : "is not a directory";
        var status = root.LStat(entry.Path);
        if (status is null) return "is missing";
        if (entry.IsSymlink)
        {
            if (!status.Value.IsSymlink) return "is not a symlink";
            var target = root.ReadLink(entry.Path);
            return target == entry.Target || SameTarget(root, entry.Path, target, entry.Target!) ? null : $"points to '{target}', the package's to '{entry.Target}'";
        }
        if (!status.Value.IsRegularFile) return $"is {GuestRoot.KindOf(status.Value)}, not a regular file";
        if (entry.IsConfig) return null; // the guest's copy; recorded with the shipped hash, so an edited one shows as edited
        if (status.Value.Size != entry.Size) return "differs from the published package (size)";
        if (status.Value.Permissions != entry.ModeBits)
            return $"has mode {Octal(status.Value.Permissions)}, the package's is {Octal(entry.ModeBits)}";
        var owner = entry.IsRootOwned ? new GuestOwner(0, 0) : accounts().OwnerOf(entry)!.Value;
        if (status.Value.Uid != owner.Uid || status.Value.Gid != owner.Gid)
            return $"is owned by {status.Value.Uid}:{status.Value.Gid}, the package's owner is {owner.Uid}:{owner.Gid} in this guest";
        if (entry.Size > 0 && root.Sha256(entry.Path) != entry.Sha256) return "differs from the published package";
        return null;
    }

    // Import makes absolute targets relative (/lib/x -> ../lib/x): the same file when both name one path in this guest.
    private static bool SameTarget(GuestRoot root, string linkPath, string? guestTarget, string packageTarget)
    {
        if (guestTarget is null) return false;
        var a = Resolve(linkPath, guestTarget);
        var b = Resolve(linkPath, packageTarget);
        if (a is null || b is null) return false;
        if (a == b) return true;
        return root.CanonicalKey(a) is { } ka && ka == root.CanonicalKey(b);
    }

    // Lexically, inside the guest: ".." never climbs above its root (as the kernel resolves it in a chroot).
    private static string? Resolve(string linkPath, string target)
    {
        var parts = new List<string>();
        if (!target.StartsWith('/'))
        {
            var slash = linkPath.LastIndexOf('/');
            if (slash > 0) parts.AddRange(linkPath[..slash].Split('/'));
        }
        foreach (var part in target.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static string Octal(int mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');
}
