using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;
using static Stork.Client.Guests.GuestSyscalls;

namespace Stork.Client.Guests;

/// <summary>A store inode linked in a guest at a name no package of it owns.</summary>
public sealed record Orphan(string Path, string StoreFile);

/// <summary>
/// Store inodes a guest still links although Stork records no package owning them there ("orphans"): a guest that
/// hid a directory while a package was removed keeps that package's files (the removal could not see them), and
/// with a store without immutable flags a guest can hard-link a store file elsewhere itself. They are immutable
/// store inodes, so nothing in the guest can delete them, and they keep store content alive.
/// - Found by walking the whole guest root through its descriptor (<see cref="GuestRoot.WalkTree"/>: no symlink
///   followed, no other mount entered, bounded) and matching (device, inode) against every store file of every
///   sharing group, never by path: an orphan is a store inode that is not the inode of any path the guest's
///   packages own (so a renamed or moved orphan is found too).
/// - Released (repair, guest remove --delete-files) or deleted with the root (guest remove --delete-root) by unlinkat through the descriptor
///   of the directory that held it when it was matched, with the immutable flag lifted for that one call from that
///   store inode only (<see cref="StoreGuard"/>); the store file itself stays for the other guests and for gc.
/// </summary>
public sealed class GuestOrphans(HostPaths paths, StoreGuard guard)
{
    private Dictionary<(ulong, ulong), string>? _storeInodes;

    /// <summary>The store file whose inode <paramref name="status"/> is, or null. The store is read once, when first needed.</summary>
    public string? StoreFileOf(FileStatus status)
    {
        if (!status.IsRegularFile || status.LinkCount < 2) return null; // a store inode linked in a guest has two names at least
        if (_storeInodes is null)
        {
            _storeInodes = [];
            foreach (var shard in ContentStore.AllFilesDirs(paths).Where(Directory.Exists).SelectMany(Directory.EnumerateDirectories))
            {
                if (Path.GetFileName(shard) == "tmp") continue;
                foreach (var file in Directory.EnumerateFiles(shard))
                    if (Native.LStat(file) is { IsRegularFile: true } s) _storeInodes.TryAdd((s.Device, s.Inode), file);
            }
        }
        return _storeInodes.GetValueOrDefault((status.Device, status.Inode));
    }

    /// <summary>
    /// The guest's orphans. With <paramref name="changeInFlight"/> (another process's journaled change), Stork's own
    /// staging names (".stork-…") are left out: they are store links that change has not committed yet.
    /// </summary>
    public List<Orphan> Find(GuestRoot root, IReadOnlyList<OwnedFile> owned, bool changeInFlight)
    {
        var ownedInodes = OwnedInodes(root, owned);
        var found = new List<Orphan>();
        root.WalkTree(entry =>
        {
            if (changeInFlight && Path.GetFileName(entry.Path).StartsWith(".stork-", StringComparison.Ordinal)) return;
            if (IsOrphan(entry.Status, ownedInodes) is { } storeFile) found.Add(new Orphan(entry.Path, storeFile));
        }, _ => { });
        return found;
    }

    /// <summary>Unlinks every orphan from the guest (call with the guest locked and no change in flight). Returns them.</summary>
    public List<Orphan> Release(GuestRoot root, IReadOnlyList<OwnedFile> owned)
    {
        var ownedInodes = OwnedInodes(root, owned);
        var released = new List<Orphan>();
        root.WalkTree(entry =>
        {
            if (IsOrphan(entry.Status, ownedInodes) is not { } storeFile) return;
            UnlinkLifted(root, entry, storeFile);
            released.Add(new Orphan(entry.Path, storeFile));
        }, _ => { });
        return released;
    }

    /// <summary>What <see cref="DeleteTree"/> removed.</summary>
    public sealed record Deleted(int Entries, IReadOnlyList<Orphan> Orphans);

    /// <summary>
    /// Deletes everything below the guest root (not the root itself): files, symlinks, FIFOs, sockets and devices
    /// are unlinked, never opened; directories removed after their contents. A store inode (an orphan, or a file of
    /// a change that could not finish) is unlinked with its flag lifted for that call; any other file the kernel
    /// refuses (the guest's own chattr +i) stops it with a guest error, as does a mount inside the root (unmount it
    /// first: nothing on another filesystem is touched).
    /// </summary>
    public Deleted DeleteTree(GuestRoot root)
    {
        int entries = 0;
        var orphans = new List<Orphan>();
        root.WalkTree(entry =>
        {
            CrashPoints.Hit();
            int errno = UnlinkRaw(entry.Parent, entry.RawName, entry.Status.IsDirectory);
            if (errno == EPERM && !entry.Status.IsDirectory && StoreFileOf(entry.Status) is { } storeFile)
            {
                UnlinkLifted(root, entry, storeFile);
                orphans.Add(new Orphan(entry.Path, storeFile));
                errno = 0;
            }
            if (errno is 0 or ENOENT) { entries++; return; }
            throw root.Failed(entry.Status.IsDirectory ? "rmdir" : "unlink", entry.Path, errno);
        }, mount => throw new GuestException(
            $"guest '{root.Name}': '/{mount}' is a mount point inside its root; unmount it, then run guest remove again (nothing on another filesystem is deleted)"));
        return new Deleted(entries, orphans);
    }

    private string? IsOrphan(FileStatus status, HashSet<(ulong, ulong)> ownedInodes) =>
        status is { IsRegularFile: true, LinkCount: > 1 } && !ownedInodes.Contains((status.Device, status.Inode)) ? StoreFileOf(status) : null;

    private static HashSet<(ulong, ulong)> OwnedInodes(GuestRoot root, IReadOnlyList<OwnedFile> owned)
    {
        var inodes = new HashSet<(ulong, ulong)>();
        foreach (var file in owned.Where(f => f.Type == PackageFileKind.File).DistinctBy(f => f.Path))
            if (root.LStat(file.Path) is { IsRegularFile: true } s) inodes.Add((s.Device, s.Inode));
        // A package's dpkg registration files are store inodes at its own names (RegistrationFiles), not orphans.
        foreach (var package in owned.Select(f => f.Package).Distinct(StringComparer.Ordinal))
            foreach (var kind in new[] { "list", "md5sums" })
                if (root.LStat($"{MaintainerScriptPhase.InfoDir}/{package}.{kind}") is { IsRegularFile: true } s) inodes.Add((s.Device, s.Inode));
        return inodes;
    }

    // The name is re-checked through the same directory descriptor first: a guest that swapped something else in
    // meanwhile keeps it (only the matched store inode is ever lifted, and only for the one unlinkat).
    private void UnlinkLifted(GuestRoot root, TreeEntry entry, string storeFile)
    {
        try
        {
            guard.RunLifted(() =>
            {
                if (StatRaw(entry.Parent, entry.RawName, out var now) != 0 || !now.IsSameFileAs(entry.Status)) return;
                int errno = UnlinkRaw(entry.Parent, entry.RawName, directory: false);
                if (errno == EPERM) throw new InodeImmutableException($"unlink '/{entry.Path}': EPERM");
                if (errno is not (0 or ENOENT)) throw root.Failed("unlink", entry.Path, errno);
            }, storeFile);
        }
        catch (InodeImmutableException) { throw root.Failed("unlink", entry.Path, EPERM); }
    }
}
