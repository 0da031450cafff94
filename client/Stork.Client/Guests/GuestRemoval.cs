using Stork.Client.Locking;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>What <see cref="GuestRemoval.RemoveAsync"/> did.</summary>
public sealed record GuestRemovalReport(string Guest, string Root, bool RootWasMissing, int FilesRemoved, int FilesDetached, IReadOnlyList<string> KeptConfigs)
{
    /// <summary>With --delete-root: the entries deleted below the root once its packages were removed.</summary>
    public int EntriesDeleted { get; init; }

    /// <summary>With --delete-files or --delete-root: store inodes no package owned any more (<see cref="GuestOrphans"/>), unlinked.</summary>
    public IReadOnlyList<string> OrphansReleased { get; init; } = [];
}

/// <summary>How <c>guest remove</c> leaves the guest's root.</summary>
public enum GuestRemovalMode
{
    /// <summary>The files stay, every hard link to a store inode replaced by a private copy.</summary>
    Detach = 1,

    /// <summary>--delete-files: the packages are removed (edited config files stay), then store inodes the guest still
    /// links at names no package owns are unlinked; the guest's own files stay.</summary>
    DeleteFiles,

    /// <summary>--delete-root: the packages are removed, then the whole root directory is deleted.</summary>
    DeleteRoot,
}

/// <summary>
/// stork-get guest remove NAME [--delete-files | --delete-root]: unregisters a guest, so its generations stop pinning
/// store content (gc frees what only it used). Whatever the mode, no immutable store inode stays in the guest, so the
/// container can be deleted with its own tools afterwards.
/// - With --delete-files, every package is removed first, as one journaled change through the guest root handle
///   (maintainer scripts run as for remove; edited config files are kept); shared inodes are unlinked from the guest
///   with the immutable flag lifted for that one unlink only, so the other guests sharing them stay protected. Then
///   store inodes the guest kept linked outside any package (<see cref="GuestOrphans"/>: a removal cannot delete a
///   file the guest hid from it) are unlinked too. The guest's own files stay: deleting a root is a separate, explicit
///   request.
/// - With --delete-root, the packages are removed the same way, then the whole root is deleted through its
///   descriptor (<see cref="GuestOrphans.DeleteTree"/>), store inodes no package owned any more included; a mount
///   inside the root, or a file the guest made immutable itself, stops it with a guest error (the guest stays
///   registered, so running it again finishes the job).
/// - Without either, the guest keeps its files, but every hard link to a store inode is replaced by a private copy
///   (journaled like any change): a guest Stork no longer manages must not share inodes with the guests it does,
///   and its files must not be immutable, so the container can be deleted later (machinectl remove, lxc-destroy).
/// - A guest whose root vanished (container deleted) is simply unregistered.
/// </summary>
public sealed class GuestRemoval(HostPaths paths, HostDatabase database, GuestInstaller installer)
{
    public Action<string>? OnWait { get; init; }

    public Task<GuestRemovalReport> RemoveAsync(string guest, bool deleteFiles, CancellationToken ct)
        => RemoveAsync(guest, deleteFiles ? GuestRemovalMode.DeleteFiles : GuestRemovalMode.Detach, ct);

    public async Task<GuestRemovalReport> RemoveAsync(string guest, GuestRemovalMode mode, CancellationToken ct)
    {
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        if (!GuestRoot.Exists(record.Root))
        {
            using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
                Forget(guest);
            return new GuestRemovalReport(guest, record.Root, true, 0, 0, []);
        }
        if (mode is GuestRemovalMode.DeleteFiles or GuestRemovalMode.DeleteRoot)
        {
            bool wholeRoot = mode == GuestRemovalMode.DeleteRoot;
            var report = await installer.ApplyAsync(guest, [], new CachedBlobSource(paths), ct, $"guest remove {guest} {(wholeRoot ? "--delete-root" : "--delete-files")}",
                deletingRoot: wholeRoot);
            int entries = 0;
            IReadOnlyList<Orphan> orphans;
            using (await SharedLock.AcquireAsync(paths.StoreLock, exclusive: false, "store", OnWait, ct))
            using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
            {
                var orphanage = new GuestOrphans(paths, new StoreGuard(paths));
                using (var root = GuestRoot.Open(record))
                {
                    if (wholeRoot) (entries, orphans) = orphanage.DeleteTree(root);
                    else orphans = orphanage.Release(root, database.Ownership.ListOwnedFiles(guest));
                }
                if (wholeRoot) DeleteRootDirectory(guest, record.Root);
                Forget(guest);
            }
            return new GuestRemovalReport(guest, record.Root, false, report.FilesRemoved, 0, wholeRoot ? [] : report.KeptConfigs)
            {
                EntriesDeleted = entries,
                OrphansReleased = orphans.Select(o => "/" + o.Path).ToList(),
            };
        }
        int detached = await DetachAsync(guest, ct);
        using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
            Forget(guest);
        return new GuestRemovalReport(guest, record.Root, false, 0, detached, []);
    }

    // Unregistered: its adoption record goes too (in DeleteGuest), so a later guest of the same name starts with nothing adopted.
    private void Forget(string guest) => database.DeleteGuest(guest);

    // The root's own name is in a host directory (the guest cannot reach it): rmdir(2), which never follows a symlink.
    private static void DeleteRootDirectory(string guest, string rootPath)
    {
        try { Directory.Delete(rootPath, recursive: false); }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GuestException($"guest '{guest}': its root '{rootPath}' could not be removed after its contents were ({e.Message}; a process in the guest still creating files?); run guest remove again");
        }
    }

    /// <summary>Replaces the guest's hard links to store files with copies (mode from the manifest), as a journaled change.</summary>
    private async Task<int> DetachAsync(string guest, CancellationToken ct)
    {
        using var storeLock = await SharedLock.AcquireAsync(paths.StoreLock, exclusive: false, "store", OnWait, ct);
        using var guestLock = await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct);
        installer.RecoverWhileLocked(guest);
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        using var root = GuestRoot.Open(record);
        var store = ContentStore.For(paths, record);
        var owned = database.Ownership.ListOwnedFiles(guest);
        var blobs = database.Ownership.ListInstalled(guest).ToDictionary(p => p.Name, p => p.BlobSha256, StringComparer.Ordinal);
        var actions = new List<FileAction>();
        foreach (var file in owned.Where(f => f.Type == PackageFileKind.File && f.Size > 0 && !f.Config).DistinctBy(f => f.Path).OrderBy(f => f.Path, PathOrder.Instance))
        {
            var entry = file.ToEntry();
            if (root.LStat(file.Path) is not { IsRegularFile: true } status) continue;
            if (store.VariantOf(file.Sha256!, file.Mode!, status) is not null)
            {
                // A variant becomes a copy with the same mode and the owner resolved as at install.
                actions.Add(new FileAction(FileActionKind.Copy, file.Path, installer.FullEntry(blobs[file.Package], file), true));
                continue;
            }
            if (Native.LStat(store.PathFor(entry)) is not { } stored || !status.IsSameFileAs(stored)) continue; // not (or no longer) shared
            actions.Add(new FileAction(FileActionKind.Copy, file.Path, entry, true));
        }
        int registration = DetachRegistration(record, root, store, blobs.Keys);
        if (actions.Count == 0) return registration;
        var guard = new StoreGuard(paths);
        var transaction = new GuestTransaction(root, store, guard, LinkMode.Copy, GuestTransaction.NewTxId(), owned);
        var current = database.Ownership.ListInstalled(guest);
        var desired = current.Select(p => new DesiredPackage(p.Name, p.Version, p.BlobSha256, 0, p.Manual)).ToList();
        var summary = $"detach {actions.Count} shared file(s) before guest remove";
        var journal = new JournalRecord(guest, transaction.TxId, JournalState.Staging, desired, LinkMode.Copy, summary, installer.Time.GetUtcNow().ToUnixTimeSeconds());
        JournaledChange.Run(database, transaction, journal, actions, () => database.CommitGeneration(guest, current, owned, LinkMode.Copy, summary, installer.Time.GetUtcNow()));
        return actions.Count + registration;
    }

    // The guest's dpkg keeps working after Stork lets go: each shared registration file (RegistrationFiles) becomes a
    // private copy of its bytes, renamed over it. Not journaled: each file is replaced whole or not at all, and a
    // guest remove that stops leaves the guest registered, so running it again finishes the job.
    private int DetachRegistration(GuestRecord record, GuestRoot root, ContentStore store, IEnumerable<string> packages)
    {
        if (record.Base == GuestBases.None || !DpkgStatus.Present(root)) return 0;
        var files = new RegistrationFiles(store, new StoreGuard(paths), share: false);
        int detached = 0;
        foreach (var name in packages)
            foreach (var kind in new[] { "list", "md5sums" })
            {
                var relative = $"{MaintainerScriptPhase.InfoDir}/{name}.{kind}";
                if (root.LStat(relative) is not { } status || files.StoreFileOf(root, relative, status) is null) continue;
                var bytes = root.ReadSmallFile(relative, 64 << 20)!;
                files.Put(root, relative, null, () => bytes);
                detached++;
            }
        return detached;
    }
}
