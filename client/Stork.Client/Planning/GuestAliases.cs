using Stork.Client.Guests;
using Stork.Client.State;

namespace Stork.Client.Planning;

/// <summary>
/// Paths that name one file inside a guest because a parent directory is a symlink inside it (merged /usr:
/// bin -> usr/bin makes bin/x and usr/bin/x one file). Keys are (device, inode of the resolved parent, name),
/// computed once per directory. Two package paths that alias are a conflict unless both are directories; a path
/// that leaves while its alias arrives is not removed; ownership follows the file, not the spelling.
/// </summary>
internal sealed class GuestAliases(IGuestView view)
{
    private readonly Dictionary<string, string?> _directoryKeys = new(StringComparer.Ordinal);

    public string? KeyOf(string path)
    {
        int slash = path.LastIndexOf('/');
        var dir = slash < 0 ? "" : path[..slash];
        if (!_directoryKeys.TryGetValue(dir, out var key))
        {
            // The key of any name in the directory, minus that name.
            var probe = view.CanonicalKey(dir.Length == 0 ? "." : dir + "/.");
            _directoryKeys[dir] = key = probe is null ? null : probe[..^1];
        }
        return key is null ? null : key + path[(slash + 1)..];
    }

    /// <summary>Refuses a layout in which two paths, not both directories, are one file in this guest.</summary>
    public Dictionary<string, string> CheckLayout(GuestRecord guest, GuestLayout layout)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, target) in layout.Entries)
        {
            if (KeyOf(path) is not { } key) continue;
            if (byKey.TryGetValue(key, out var other))
            {
                var first = layout.Entries[other];
                if (first.Entry.IsDirectory && target.Entry.IsDirectory) continue;
                throw new GuestConflictException(guest.Name, path,
                    $"guest '{guest.Name}': '/{other}' ({string.Join(", ", first.Packages)}) and '/{path}' ({string.Join(", ", target.Packages)}) " +
                    "are the same file in this guest (a parent directory is a symlink inside it, as in merged-/usr roots); nothing was changed");
            }
            byKey[key] = path;
        }
        return byKey;
    }
}
