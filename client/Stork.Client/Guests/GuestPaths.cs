using Stork.Client.Store;

namespace Stork.Client.Guests;

/// <summary>
/// Guards against a guest steering host writes: a process inside the guest can replace a directory with a
/// symlink (say usr/bin -> /etc), and the host, resolving paths from outside, would then write or delete host
/// files. Every directory between the guest root and a path Stork touches must be a real directory.
/// (This narrows, but cannot close, the race with a guest changing things concurrently; openat2 with
/// RESOLVE_BENEATH would.)
/// </summary>
internal static class GuestPaths
{
    /// <summary>Returns the first ancestor of <paramref name="relative"/> that is not a real directory, or null.</summary>
    public static string? FirstNonDirectoryParent(string root, string relative)
    {
        var parts = relative.Split('/');
        var current = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            var status = Native.LStat(current);
            if (status is null) return null; // missing: it will be created as a real directory
            if (!status.Value.IsDirectory) return string.Join('/', parts[..(i + 1)]);
        }
        return null;
    }

    public static void RequireRealParents(string guest, string root, string relative)
    {
        if (FirstNonDirectoryParent(root, relative) is { } bad)
            throw new GuestConflictException(guest, relative,
                $"guest '{guest}': '/{bad}' is not a directory (a symlink?), so '/{relative}' cannot be written safely; nothing further was changed");
    }
}
