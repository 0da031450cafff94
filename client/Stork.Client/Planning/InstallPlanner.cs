using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Planning;

/// <summary>Everything the planner decides from. Nothing here changes anything.</summary>
/// <param name="Manifests">Manifests of the packages that (re)enter the guest, by package name. A missing one makes the plan incomplete (dry run).</param>
/// <param name="StoreStatus">stat of the store file an entry would share, or null; lets an unchanged shared file be skipped.</param>
/// <param name="LinkMode">The link mode files are shared with (hardlink, reflink or copy; auto is resolved by the installer).</param>
/// <param name="VariantStatus">
/// Null when files whose exact mode or owner matters cannot be shared (no immutable store): they are copied. Otherwise
/// the stat of the store variant this guest would link for such an entry (null while it is not made yet).
/// </param>
public sealed record PlannerInput(
    GuestRecord Guest,
    IReadOnlyList<InstalledPackage> Installed,
    IReadOnlyList<OwnedFile> Owned,
    IReadOnlyList<DesiredPackage> Desired,
    IReadOnlyDictionary<string, PackageManifest> Manifests,
    IGuestView View,
    Func<PackageFileEntry, FileStatus?> StoreStatus,
    LinkMode LinkMode,
    Func<PackageFileEntry, FileStatus?>? VariantStatus = null)
{
    /// <summary>
    /// Packages being adopted from the guest's dpkg image (stork-get adopt, Guests/ImageAdoption), whose files were verified
    /// to be what the package ships: their shared files are replaced by store links, everything else stays the guest's.
    /// </summary>
    public IReadOnlySet<string> Adopting { get; init; } = new HashSet<string>();
}

/// <summary>
/// The pure planner: from the guest's recorded state, the desired package set, the manifests and a read-only
/// view of the guest tree, decides every step of a change. Raises <see cref="GuestConflictException"/> when a
/// path no package owns is in the way (nothing is changed then, because nothing has been done yet).
/// </summary>
public static class InstallPlanner
{
    public static InstallPlan Plan(PlannerInput input)
    {
        var guest = input.Guest;
        var changes = PackageChanges.Create(input.Installed, input.Desired);
        var toFetch = changes.ToFetch.ToList();
        var unknown = toFetch.Where(p => !input.Manifests.ContainsKey(p.Name)).ToList();
        var manifests = toFetch.Where(p => input.Manifests.ContainsKey(p.Name))
            .ToDictionary(p => p.Name, p => input.Manifests[p.Name], StringComparer.Ordinal);

        var layout = GuestLayout.Build(guest.Name, changes, input.Owned, manifests);
        var actions = new List<FileAction>();
        var aliases = new GuestAliases(input.View);
        var layoutKeys = aliases.CheckLayout(guest, layout);
        PlanWrites(input, layout, changes.Replaced, actions, aliases);
        // With unknown manifests the new layout is incomplete, so removals cannot be decided yet.
        if (unknown.Count == 0) PlanRemovals(input, layout, changes.Replaced, actions, aliases, layoutKeys);
        return new InstallPlan(guest.Name, changes, toFetch, unknown, actions, input.LinkMode);
    }

    private static void PlanWrites(PlannerInput input, GuestLayout layout, IReadOnlySet<string> replaced, List<FileAction> actions, GuestAliases aliases)
    {
        var guest = input.Guest;
        var view = input.View;
        var ownedByPath = input.Owned.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        // The same, by the file they name in this guest: an upgrade moving bin/x to usr/bin/x (bin -> usr/bin) replaces its own file.
        var ownedByKey = new Dictionary<string, List<OwnedFile>>(StringComparer.Ordinal);
        foreach (var (path, files) in ownedByPath)
            if (aliases.KeyOf(path) is { } key)
            {
                if (ownedByKey.TryGetValue(key, out var list)) list.AddRange(files);
                else ownedByKey[key] = [.. files];
            }
        // Non-directories that an earlier step replaces with a real directory (parents sort before children).
        var becomingDirectories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, target) in layout.Entries)
        {
            if (!target.Changed) continue;
            if (view.FirstNonDirectoryParent(path) is { } badParent && !becomingDirectories.Contains(badParent))
                throw new GuestConflictException(guest.Name, path,
                    $"guest '{guest.Name}': '/{badParent}' is not a directory (a symlink?), so '/{path}' cannot be written safely; nothing was changed");
            var existing = view.LStat(path);
            if (!ownedByPath.TryGetValue(path, out var owners) && aliases.KeyOf(path) is { } pathKey) ownedByKey.TryGetValue(pathKey, out owners);
            var entry = target.Entry;
            // Only files of packages that are leaving (or being replaced) may be overwritten.
            bool ownedByLeavingPackage = owners is not null && owners.Any(o => replaced.Contains(o.Package));
            bool existed = existing is not null;
            if (existing is not null && !ownedByLeavingPackage && target.Packages.Any(input.Adopting.Contains))
            {
                if (AdoptedAction(input, path, entry, existing.Value) is { } adopted) actions.Add(adopted);
                continue;
            }

            if (entry.IsDirectory)
            {
                if (existing is { IsSymlink: true } && view.IsDirectory(path)) continue; // a directory symlink inside the guest (merged /usr): kept
                if (existing is { IsDirectory: false })
                {
                    if (!ownedByLeavingPackage) throw Conflict(guest, path, "exists and is not a directory");
                    becomingDirectories.Add(path);
                }
                if (existing is { IsDirectory: true } d && d.Permissions == entry.ModeBits) continue;
                actions.Add(new FileAction(FileActionKind.Directory, path, entry, existed));
                continue;
            }
            if (existing is { IsDirectory: true })
                throw Conflict(guest, path, "is a directory in the guest");
            if (existing is not null && !ownedByLeavingPackage)
            {
                // A config file left behind by an earlier removal (or put there by the admin) is the admin's: keep it.
                if (entry.IsConfig && existing.Value.IsRegularFile)
                {
                    bool same = view.Sha256(path) == entry.Sha256;
                    if (!same) actions.Add(new FileAction(FileActionKind.KeepConfigWriteNew, path, entry, true, "existing file not owned by any package"));
                    continue;
                }
                throw Conflict(guest, path, "exists and is not owned by any installed package");
            }
            if (entry.IsSymlink)
            {
                if (existing is { IsSymlink: true } && view.LinkTarget(path) == entry.Target) continue;
                actions.Add(new FileAction(FileActionKind.Symlink, path, entry, existed));
                continue;
            }
            if (entry.IsConfig && existing is { IsRegularFile: true })
            {
                var current = view.Sha256(path);
                if (current == entry.Sha256) continue; // already the new content
                var previous = owners!.FirstOrDefault(o => o.Type == PackageFileKind.File);
                if (previous is { Config: true } && current != previous.Sha256)
                {
                    // Edited since installed. If the package's version did not change, there is nothing to offer.
                    actions.Add(previous.Sha256 == entry.Sha256
                        ? new FileAction(FileActionKind.KeepConfig, path, entry, true, "edited since installed")
                        : new FileAction(FileActionKind.KeepConfigWriteNew, path, entry, true, "edited since installed"));
                    continue;
                }
            }
            actions.Add(new FileAction(FileKind(input, entry), path, entry, existed));
            if (actions[^1].Kind == FileActionKind.Share && existing is { } e
                && (ContentStore.NeedsVariant(entry) ? input.VariantStatus!(entry) : input.StoreStatus(entry)) is { } stored && e.IsSameFileAs(stored))
                actions.RemoveAt(actions.Count - 1); // already this very file (an upgrade that did not change it)
        }
    }

    // A verified image file: only what Stork shares (a store link) or a symlink spelled differently is replaced;
    // config files, copied files (owners, set-id), empty files and matching directories stay the guest's own.
    private static FileAction? AdoptedAction(PlannerInput input, string path, PackageFileEntry entry, FileStatus existing)
    {
        if (entry.IsDirectory)
            return existing.IsDirectory && existing.Permissions != entry.ModeBits ? new FileAction(FileActionKind.Directory, path, entry, true) : null;
        if (entry.IsSymlink)
            return input.View.LinkTarget(path) == entry.Target ? null : new FileAction(FileActionKind.Symlink, path, entry, true);
        if (FileKind(input, entry) != FileActionKind.Share) return null;
        var stored = ContentStore.NeedsVariant(entry) ? input.VariantStatus?.Invoke(entry) : input.StoreStatus(entry);
        if (stored is { } s && existing.IsSameFileAs(s)) return null;
        return new FileAction(FileActionKind.Share, path, entry, true);
    }

    private static FileActionKind FileKind(PlannerInput input, PackageFileEntry entry) =>
        KindOf(entry, input.LinkMode, input.VariantStatus is not null && input.StoreStatus(entry) is { IsImmutable: true });

    /// <summary>
    /// How a regular file reaches a guest. An inode shared between guests must be the same for all of them (§3.1): a
    /// file whose owner is resolved per guest or whose setuid/setgid/sticky bit must stay exactly as declared is shared
    /// only through an immutable store variant of its exact mode and ids (<paramref name="variants"/>: hard links into an
    /// immutable store), and copied otherwise.
    /// </summary>
    public static FileActionKind KindOf(PackageFileEntry entry, LinkMode linkMode, bool variants)
    {
        if (entry.Size == 0) return FileActionKind.Empty; // linking would make every empty file on the host one inode
        if (entry.IsConfig || linkMode == LinkMode.Copy) return FileActionKind.Copy;
        if (ContentStore.NeedsVariant(entry)) return variants && linkMode == LinkMode.HardLink ? FileActionKind.Share : FileActionKind.Copy;
        return FileActionKind.Share;
    }

    private static void PlanRemovals(PlannerInput input, GuestLayout layout, IReadOnlySet<string> replaced, List<FileAction> actions,
        GuestAliases aliases, IReadOnlyDictionary<string, string> layoutKeys)
    {
        var view = input.View;
        var leaving = input.Owned.Where(f => replaced.Contains(f.Package) && !layout.Entries.ContainsKey(f.Path))
            .GroupBy(f => f.Path).Select(g => g.First())
            .OrderByDescending(f => f.Path, PathOrder.Instance); // children first
        foreach (var old in leaving)
        {
            // A file whose directory is gone (moved away by the guest?) cannot be removed; it is still planned, so the
            // change reports it as unreached (GuestTransaction.RemoveFile) and verify can find it if it is a store inode.
            var unreached = old.Type == PackageFileKind.File
                ? new FileAction(FileActionKind.Remove, old.Path, old.ToEntry(), false, "its directory is gone")
                : null;
            if (view.FirstNonDirectoryParent(old.Path) is not null)
            {
                if (unreached is not null) actions.Add(unreached);
                continue;
            }
            if (aliases.KeyOf(old.Path) is { } key && layoutKeys.ContainsKey(key)) continue; // the same file under another name stays
            var existing = view.LStat(old.Path);
            if (existing is null)
            {
                var slash = old.Path.LastIndexOf('/');
                if (unreached is not null && !view.IsDirectory(slash < 0 ? "" : old.Path[..slash])) actions.Add(unreached);
                continue;
            }
            var entry = old.ToEntry();
            switch (old.Type)
            {
                case PackageFileKind.Directory:
                    if (existing.Value.IsDirectory) actions.Add(new FileAction(FileActionKind.RemoveDirectory, old.Path, entry, true));
                    break;
                case PackageFileKind.Symlink:
                    if (existing.Value.IsSymlink) actions.Add(new FileAction(FileActionKind.Remove, old.Path, entry, true));
                    break;
                default:
                    if (!existing.Value.IsRegularFile) break;
                    if (old.Config && view.Sha256(old.Path) != old.Sha256)
                        actions.Add(new FileAction(FileActionKind.KeepConfig, old.Path, entry, true, "edited since installed"));
                    else
                        actions.Add(new FileAction(FileActionKind.Remove, old.Path, entry, true));
                    break;
            }
        }
    }

    private static GuestConflictException Conflict(GuestRecord guest, string path, string problem) =>
        new(guest.Name, path, $"guest '{guest.Name}': '/{path}' {problem}; nothing was changed (move it away or remove it, then retry)");
}
