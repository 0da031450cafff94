using Stork.Client.Locking;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>What <see cref="GuestRemoval.RemoveAsync"/> did.</summary>
public sealed record GuestRemovalReport(string Guest, string Root, bool RootWasMissing, int FilesRemoved, int FilesDetached, IReadOnlyList<string> KeptConfigs);

/// <summary>
/// stork-get guest remove NAME [--delete-files]: unregisters a guest, so its generations stop pinning store content
/// (gc frees what only it used).
/// - With --delete-files, every package is removed first, as one journaled change through the guest root handle
///   (edited config files are kept, as by remove); shared inodes are unlinked from the guest with the immutable flag
///   lifted for that one unlink only, so the other guests sharing them stay protected.
/// - Without it, the guest keeps its files, but every hard link to a store inode is replaced by a private copy
///   (journaled like any change): a guest Stork no longer manages must not share inodes with the guests it does,
///   and its files must not be immutable, so the container can be deleted later (machinectl remove, lxc-destroy).
/// - A guest whose root vanished (container deleted) is simply unregistered.
/// </summary>
public sealed class GuestRemoval(HostPaths paths, HostDatabase database, GuestInstaller installer)
{
    public Action<string>? OnWait { get; init; }

    public async Task<GuestRemovalReport> RemoveAsync(string guest, bool deleteFiles, CancellationToken ct)
    {
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        if (!GuestRoot.Exists(record.Root))
        {
            using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
                database.DeleteGuest(guest);
            return new GuestRemovalReport(guest, record.Root, true, 0, 0, []);
        }
        if (deleteFiles)
        {
            var report = await installer.ApplyAsync(guest, [], new CachedBlobSource(paths), ct, $"guest remove {guest} --delete-files");
            using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
                database.DeleteGuest(guest);
            return new GuestRemovalReport(guest, record.Root, false, report.FilesRemoved, 0, report.KeptConfigs);
        }
        int detached = await DetachAsync(guest, ct);
        using (await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct))
            database.DeleteGuest(guest);
        return new GuestRemovalReport(guest, record.Root, false, 0, detached, []);
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
        var actions = new List<FileAction>();
        foreach (var file in owned.Where(f => f.Type == PackageFileKind.File && f.Size > 0 && !f.Config).DistinctBy(f => f.Path).OrderBy(f => f.Path, PathOrder.Instance))
        {
            var entry = file.ToEntry();
            if (root.LStat(file.Path) is not { IsRegularFile: true } status) continue;
            if (Native.LStat(store.PathFor(entry)) is not { } stored || !status.IsSameFileAs(stored)) continue; // not (or no longer) shared
            actions.Add(new FileAction(FileActionKind.Copy, file.Path, entry, true));
        }
        if (actions.Count == 0) return 0;
        var guard = new StoreGuard(paths);
        var transaction = new GuestTransaction(root, store, guard, LinkMode.Copy, GuestTransaction.NewTxId(), owned);
        var current = database.Ownership.ListInstalled(guest);
        var desired = current.Select(p => new DesiredPackage(p.Name, p.Version, p.BlobSha256, 0, p.Manual)).ToList();
        var summary = $"detach {actions.Count} shared file(s) before guest remove";
        var journal = new JournalRecord(guest, transaction.TxId, JournalState.Staging, desired, LinkMode.Copy, summary, installer.Time.GetUtcNow().ToUnixTimeSeconds());
        JournaledChange.Run(database, transaction, journal, actions, () => database.CommitGeneration(guest, current, owned, LinkMode.Copy, summary, installer.Time.GetUtcNow()));
        return actions.Count;
    }
}
