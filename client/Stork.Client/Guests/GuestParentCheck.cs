using Stork.Client.Store;

namespace Stork.Client.Guests;

/// <summary>
/// The ancestor checks of one transaction (see <see cref="GuestPaths"/>). Every call looks at the tree afresh, on
/// purpose: remembering directories seen to be real would be faster, but would widen the window in which a process
/// inside a running guest can swap a checked directory for a symlink from microseconds to the whole transaction.
/// </summary>
internal sealed class GuestParentCheck(string root)
{
    /// <summary>The first ancestor of <paramref name="relative"/> that exists and is not a real directory, or null.</summary>
    public string? FirstNonDirectoryParent(string relative) => Walk(relative, out _);

    /// <summary>Every ancestor of <paramref name="relative"/> exists and is a real directory.</summary>
    public bool ParentsExist(string relative) => Walk(relative, out bool missing) is null && !missing;

    public void RequireRealParents(string guest, string relative)
    {
        if (FirstNonDirectoryParent(relative) is { } bad)
            throw new GuestConflictException(guest, relative,
                $"guest '{guest}': '/{bad}' is not a directory (a symlink?), so '/{relative}' cannot be written safely; nothing further was changed");
    }

    private string? Walk(string relative, out bool missing)
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
}
