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
    public static string? FirstNonDirectoryParent(string root, string relative) => Walk(root, relative, out _);

    /// <summary>Every ancestor of <paramref name="relative"/> exists and is a real directory.</summary>
    public static bool ParentsExist(string root, string relative) => Walk(root, relative, out bool missing) is null && !missing;

    // Looks at the tree afresh on every call, on purpose: remembering directories seen to be real would be faster,
    // but would widen the window for a swap from microseconds to a whole transaction.
    private static string? Walk(string root, string relative, out bool missing)
    {
        missing = false;
        for (int slash = relative.IndexOf('/'); slash >= 0; slash = relative.IndexOf('/', slash + 1))
        {
            var ancestor = relative[..slash];
            var status = Native.LStat(Path.Combine(root, ancestor));
            if (status is null) { missing = true; return null; } // it will be created as a real directory
            if (!status.Value.IsDirectory) return ancestor;
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
