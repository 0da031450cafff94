using Stork.Client.Store;

namespace Stork.Client.Guests;

/// <summary>
/// <see cref="GuestPaths.FirstNonDirectoryParent"/> for one transaction, remembering the directories it has seen
/// to be real: a package puts hundreds of files in a few dozen directories, and checking every ancestor of every
/// file again costs more than linking the files. Only "is a real directory" is remembered; a missing or
/// non-directory ancestor is looked at again each time. Callers report directories they create or remove.
/// </summary>
internal sealed class GuestParentCheck(string root)
{
    private readonly HashSet<string> _realDirectories = new(StringComparer.Ordinal);

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

    /// <summary>This transaction made <paramref name="relative"/> a real directory.</summary>
    public void MadeDirectory(string relative) => _realDirectories.Add(relative);

    /// <summary>A directory was removed: forget everything (rare, so no per-subtree bookkeeping).</summary>
    public void Forget() => _realDirectories.Clear();

    private string? Walk(string relative, out bool missing)
    {
        missing = false;
        for (int slash = relative.IndexOf('/'); slash >= 0; slash = relative.IndexOf('/', slash + 1))
        {
            var ancestor = relative[..slash];
            if (_realDirectories.Contains(ancestor)) continue;
            var status = Native.LStat(Path.Combine(root, ancestor));
            if (status is null) { missing = true; return null; } // it will be created as a real directory
            if (!status.Value.IsDirectory) return ancestor;
            _realDirectories.Add(ancestor);
        }
        return null;
    }
}
