using Stork.Client.Packages;
using Stork.Client.Locking;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>A guest path that no longer matches what its package installed.</summary>
public sealed record Drift(string Guest, string Path, string Package, DriftKind Kind, string Problem);

/// <summary>What <see cref="GuestMaintenance.CollectGarbage"/> freed.</summary>
public sealed record GcReport(int StoreFilesRemoved, long StoreBytesFreed, int BlobsRemoved, long BlobBytesFreed, int ManifestsRemoved, int GenerationsPruned, int TempFilesRemoved)
{
    public long BytesFreed => StoreBytesFreed + BlobBytesFreed;

    /// <summary>Unreferenced immutable store files kept because a guest still links them (orphans: verify names them, repair releases them).</summary>
    public int StoreFilesStillLinked { get; init; }
}

/// <summary>verify, repair, rollback and gc across the guests of one host.</summary>
public sealed partial class GuestMaintenance(HostPaths paths, HostDatabase database, GuestInstaller installer)
{
    public Action<string>? OnWait { get; init; }

    /// <summary>
    /// Checks every file each guest's packages installed against the recorded hash, type, mode and symlink target.
    /// Config files are the admin's to edit and are not checked. Shared inodes are hashed once for all guests.
    /// A drifted inode that is hard-linked elsewhere is drift in every guest holding it, so every other registered
    /// guest that links the same inode is named too, even when it was not asked for. Store inodes the guest links at
    /// names no package owns are drift too (<see cref="DriftKind.Orphan"/>; repair unlinks them).
    /// </summary>
    public IReadOnlyList<Drift> Verify(IEnumerable<string> guests)
    {
        var orphans = new GuestOrphans(paths, new StoreGuard(paths));
        var hashes = new Dictionary<(ulong, ulong), string>();
        var drift = new List<Drift>();
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var shared = new Dictionary<(ulong, ulong), Drift>();
        foreach (var name in guests)
        {
            asked.Add(name);
            var guest = database.Guests.Find(name) ?? throw new GuestNotFoundException(name);
            if (!GuestRoot.Exists(guest.Root))
            {
                drift.Add(new Drift(name, "/", "", DriftKind.RootMissing, $"the guest root '{guest.Root}' is missing (container deleted? unregister it: stork-get guest remove {name})"));
                continue;
            }
            installer.Recover(name);
            using var root = GuestRoot.Open(guest);
            var ownedFiles = database.Ownership.ListOwnedFiles(name);
            foreach (var file in ownedFiles.GroupBy(f => f.Path).Select(g => g.First()))
                if (Check(guest, root, file, hashes) is { } problem)
                {
                    var found = new Drift(name, "/" + file.Path, file.Package, problem.Kind, problem.Text);
                    drift.Add(found);
                    if (file.Type == PackageFileKind.File && root.LStat(file.Path) is { IsRegularFile: true, LinkCount: > 1 } s)
                        shared.TryAdd((s.Device, s.Inode), found);
                }
            drift.AddRange(RegistrationDrift(guest, root));
            foreach (var orphan in orphans.Find(root, ownedFiles, changeInFlight: database.Journal.Find(name) is not null))
                drift.Add(new Drift(name, "/" + orphan.Path, "", DriftKind.Orphan, $"store file linked outside any package: /{orphan.Path}"));
        }
        if (shared.Count > 0) drift.AddRange(OtherHolders(asked, shared, hashes));
        return drift;
    }

    /// <summary>Drift in guests not asked for that hold one of the drifted (shared) inodes.</summary>
    private List<Drift> OtherHolders(HashSet<string> asked, Dictionary<(ulong, ulong), Drift> shared, Dictionary<(ulong, ulong), string> hashes)
    {
        var drift = new List<Drift>();
        foreach (var other in database.Guests.List())
        {
            if (asked.Contains(other.Name) || !GuestRoot.Exists(other.Root)) continue;
            GuestRoot? root = null;
            try
            {
                foreach (var file in database.Ownership.ListOwnedFiles(other.Name).Where(f => f.Type == PackageFileKind.File && !f.Config && f.Size > 0).DistinctBy(f => f.Path))
                {
                    root ??= GuestRoot.Open(other);
                    if (root.LStat(file.Path) is not { IsRegularFile: true } s || !shared.TryGetValue((s.Device, s.Inode), out var first)) continue;
                    if (Check(other, root, file, hashes) is { } problem)
                        drift.Add(new Drift(other.Name, "/" + file.Path, file.Package, problem.Kind, $"{problem.Text} (the same inode as {first.Guest}:{first.Path})"));
                }
            }
            finally { root?.Dispose(); }
        }
        return drift;
    }

    /// <summary>
    /// The permission bits a correct file has in this guest: shared hard links carry the store's read-only mode.
    /// Setuid/setgid/sticky files have their exact mode (a store variant or a copy; InstallPlanner), and so do files
    /// owned by another account (<see cref="Check"/> accepts the exact mode for a variant or a copy).
    /// </summary>
    public static int ExpectedPermissions(GuestRecord guest, PackageFileEntry entry) =>
        entry.IsFile && !entry.IsConfig && entry.Size > 0 && guest.EffectiveLinkMode == LinkMode.HardLink && (entry.ModeBits & 0xE00) == 0
            ? ContentStore.StoredPermissions(entry.Mode!)
            : entry.ModeBits;

    private (DriftKind Kind, string Text)? Check(GuestRecord guest, GuestRoot root, OwnedFile file, Dictionary<(ulong, ulong), string> hashes)
    {
        if (root.FirstNonDirectoryParent(file.Path) is { } bad) return (DriftKind.ParentNotDirectory, $"parent /{bad} is not a directory");
        var status = root.LStat(file.Path);
        var entry = file.ToEntry();
        switch (file.Type)
        {
            case PackageFileKind.Directory:
                if (status is { IsSymlink: true } && root.IsDirectory(file.Path)) return null; // merged /usr: a directory symlink inside the guest
                if (status is not { IsDirectory: true }) return status is null ? (DriftKind.Missing, "missing") : (DriftKind.WrongType, "not a directory");
                return status.Value.Permissions == entry.ModeBits ? null : (DriftKind.Mode, $"mode {Octal(status.Value.Permissions)}, expected {Octal(entry.ModeBits)}");
            case PackageFileKind.Symlink:
                if (status is not { IsSymlink: true }) return status is null ? (DriftKind.Missing, "missing") : (DriftKind.WrongType, "not a symlink");
                var target = root.ReadLink(file.Path);
                return target == file.Target ? null : (DriftKind.SymlinkTarget, $"symlink to '{target}', expected '{file.Target}'");
            default:
                if (file.Config) return null;
                if (status is not { IsRegularFile: true } s) return status is null ? (DriftKind.Missing, "missing") : (DriftKind.WrongType, $"not a regular file ({GuestRoot.KindOf(status.Value)})");
                if (s.Size != file.Size) return (DriftKind.Size, $"size {s.Size}, expected {file.Size}");
                if (!hashes.TryGetValue((s.Device, s.Inode), out var sha))
                {
                    try { sha = root.Sha256(file.Path); }
                    catch (GuestConflictException e) { return (DriftKind.WrongType, e.Message); } // swapped for a FIFO or symlink meanwhile
                    hashes[(s.Device, s.Inode)] = sha;
                }
                if (sha != file.Sha256) return (DriftKind.Content, "content differs (sha256)");
                int expected = ExpectedPermissions(guest, entry);
                // A file owned by another account is a copy or a store variant with the manifest's mode (the host records
                // no owners; a variant's ids are those its store name says, since the inode is the variant's).
                if (s.Permissions == expected) return null;
                if (s.Permissions == entry.ModeBits
                    && (s.LinkCount == 1 || ContentStore.VariantOf(ContentStore.GroupFilesDir(paths, guest.ShareGroup), file.Sha256!, file.Mode!, s) is not null))
                    return null;
                return (DriftKind.Mode, $"mode {Octal(s.Permissions)}, expected {Octal(expected)}");
        }
    }

    private static string Octal(int mode) => Convert.ToString(mode, 8).PadLeft(4, '0');

    /// <summary>
    /// Puts drifted files back from the store, as a journaled change (a new generation). Store files that are
    /// missing or damaged are first re-extracted from the cached package blob. Store inodes linked at names no
    /// package owns (orphans) are then unlinked from the guest (the store file stays). Returns the paths repaired.
    /// </summary>
    public async Task<IReadOnlyList<string>> RepairAsync(string guest, CancellationToken ct)
    {
        var found = Verify([guest]).Where(d => d.Guest == guest).ToList();
        var drift = found.Where(d => d.Kind is not (DriftKind.Orphan or DriftKind.Registration)).ToList();
        var guard = new StoreGuard(paths);
        using var storeLock = await SharedLock.AcquireAsync(paths.StoreLock, exclusive: false, "store", OnWait, ct);
        using var guestLock = await FileLock.AcquireAsync(installer.GuestLockPath(guest), $"guest {guest}", OnWait, ct);
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        var store = ContentStore.For(paths, record);
        using var root = GuestRoot.Open(record);
        var ownedList = database.Ownership.ListOwnedFiles(guest);
        var owned = ownedList.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var packages = database.Ownership.ListInstalled(guest).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var actions = new List<FileAction>();
        var reingested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in drift.OrderBy(d => d.Path, PathOrder.Instance))
        {
            if (d.Path == "/" && d.Package.Length == 0) throw new GuestRootMissingException(guest, record.Root);
            var file = owned[d.Path[1..]];
            var entry = installer.FullEntry(packages[file.Package].BlobSha256, file); // with its owner, for a variant or copy
            if (entry.IsFile && entry.Size > 0 && !store.ContainsIntact(entry) && reingested.Add(file.Package))
            {
                var package = packages[file.Package];
                var blob = BlobId.PathIn(paths.BlobsDir, package.BlobSha256);
                if (!File.Exists(blob))
                    throw new LocalException($"guest '{guest}': the store copy of {d.Path} is damaged and the blob of {package.Name} {package.Version} is no longer cached; reinstall it (stork-get remove, then install)");
                store.Ingest(blob, package.Name, package.Version);
            }
            var mode = record.EffectiveLinkMode;
            var status = root.LStat(file.Path);
            var kind = entry.Type switch
            {
                PackageFileKind.Directory => FileActionKind.Directory,
                PackageFileKind.Symlink => FileActionKind.Symlink,
                // As the planner decides it: a file whose exact mode or owner matters links a variant only in an immutable store.
                _ => InstallPlanner.KindOf(entry, mode, guard.Immutable && entry.Size > 0 && Native.LStat(store.PathFor(entry)) is { IsImmutable: true }),
            };
            if (kind != FileActionKind.Directory && status is { IsDirectory: true })
                throw new GuestConflictException(guest, file.Path, $"guest '{guest}': '{d.Path}' is a directory now; move it away, then repair again");
            actions.Add(new FileAction(kind, file.Path, entry, status is not null));
        }
        if (actions.Count > 0)
        {
            // A variant's inode is shared by other guests: repair re-hashes it rather than trusting its immutable flag.
            var transaction = new GuestTransaction(root, store, guard, record.EffectiveLinkMode, GuestTransaction.NewTxId(), ownedList) { RehashVariants = true };
            var current = database.Ownership.ListInstalled(guest);
            var desired = current.Select(p => new DesiredPackage(p.Name, p.Version, p.BlobSha256, 0, p.Manual)).ToList();
            var summary = $"repair {actions.Count} path(s)";
            var journal = new JournalRecord(guest, transaction.TxId, JournalState.Staging, desired, record.EffectiveLinkMode, summary, installer.Time.GetUtcNow().ToUnixTimeSeconds());
            JournaledChange.Run(database, transaction, journal, actions,
                () => database.CommitGeneration(guest, current, ownedList, record.EffectiveLinkMode, summary, installer.Time.GetUtcNow()));
        }
        // Under the guest lock with no change in flight, so every store inode at an unowned name is an orphan.
        // Nothing to journal: an unlink of a name no package owns is complete or not done, and repeating it is harmless.
        var registration = RepairRegistration(record, root, store,
            found.Where(d => d.Kind == DriftKind.Registration).Select(d => d.Package).ToHashSet(StringComparer.Ordinal));
        var released = database.Journal.Find(guest) is null ? new GuestOrphans(paths, guard).Release(root, ownedList) : [];
        return [.. actions.Select(a => "/" + a.Path), .. registration, .. released.Select(o => "/" + o.Path)];
    }

    /// <summary>
    /// Brings a guest back to the package set of an earlier generation (default: the one before the current),
    /// as a new generation, from the blobs cached on the host (gc keeps every blob a generation names). Maintainer scripts
    /// run as for any change (dpkg's order: prerm/postrm of the leaving versions, preinst/postinst of the returning ones)
    /// for the packages <paramref name="scripts"/> allows, given every (name, version) the rollback touches.
    /// </summary>
    public async Task<InstallReport> RollbackAsync(string guest, int? to, CancellationToken ct,
        Func<IEnumerable<(string Name, string Version)>, ScriptPolicy?>? scripts = null)
    {
        installer.Recover(guest);
        var generations = database.Generations.List(guest);
        if (generations.Count == 0) throw new GuestException($"guest '{guest}' has no generations to roll back to");
        var current = generations[^1].Number;
        int target = to ?? current - 1;
        var installedNow = database.Ownership.ListInstalled(guest).Select(p => (p.Name, p.Version)).ToList();
        if (target == 0) return await ApplyTo(guest, [], $"rollback to generation 0 (empty)", scripts?.Invoke(installedNow), ct);
        var generation = generations.FirstOrDefault(g => g.Number == target)
            ?? throw new GuestException($"guest '{guest}' has no generation {target} (see: stork-get history --guest {guest})");
        if (target == current) throw new GuestException($"guest '{guest}' is already at generation {target}");
        var desired = new List<DesiredPackage>();
        foreach (var p in generation.Packages)
        {
            var blob = BlobId.PathIn(paths.BlobsDir, p.BlobSha256);
            if (!File.Exists(blob)) throw new LocalException($"the blob of {p.Name} {p.Version} (generation {target}) is no longer cached on this host; install that version instead");
            desired.Add(new DesiredPackage(p.Name, p.Version, p.BlobSha256, new FileInfo(blob).Length, p.Manual));
        }
        var policy = scripts?.Invoke(installedNow.Concat(desired.Select(p => (p.Name, p.Version))));
        return await ApplyTo(guest, desired, $"rollback to generation {target}", policy, ct);
    }

    private Task<InstallReport> ApplyTo(string guest, List<DesiredPackage> desired, string summary, ScriptPolicy? scripts, CancellationToken ct) =>
        installer.ApplyAsync(guest, desired, new CachedBlobSource(paths), ct, summary, scripts);

    /// <summary>
    /// Frees store files, cached blobs and manifests that no guest's installed set, generation or in-flight change
    /// references. Decided from the registry of guests and generations, never from link counts, except for store
    /// variants (immutable inodes only Stork links): one is freed when no guest links it any more. Takes the store lock
    /// exclusively, so it waits for installs in flight (they hold it shared) and they wait for it.
    /// </summary>
    public async Task<GcReport> CollectGarbageAsync(int? keepGenerations, CancellationToken ct)
    {
        using var storeLock = await SharedLock.AcquireAsync(paths.StoreLock, exclusive: true, "store", OnWait, ct);
        int pruned = 0;
        if (keepGenerations is { } keep)
            foreach (var g in database.Guests.List()) pruned += database.Generations.Prune(g.Name, keep);
        var blobs = database.ReferencedBlobs();
        var store = new ContentStore(paths);
        var guard = new StoreGuard(paths);
        var keepFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sha in blobs)
            if (database.Manifests.Load(sha) is { } manifest)
                foreach (var f in manifest.Files.Where(f => f.IsFile && f.Size > 0)) keepFiles.Add(store.PathFor(f));
        // A sharing group's copies are kept while a guest of the group owns them or a crashed change of one names
        // them; a rollback re-extracts the rest from the cached blob. A group without guests loses all of its copies.
        var groupStores = new Dictionary<string, ContentStore>(StringComparer.Ordinal);
        foreach (var g in database.Guests.List())
        {
            if (!groupStores.TryGetValue(g.ShareGroup, out var groupStore))
                groupStores[g.ShareGroup] = groupStore = g.ShareGroup == ShareGroups.Default ? store : new ContentStore(paths, g.ShareGroup);
            foreach (var f in database.Ownership.ListOwnedFiles(g.Name).Where(f => f.Type == PackageFileKind.File && f.Size > 0))
                keepFiles.Add(groupStore.PathFor(f.Sha256!, f.Mode!));
            if (database.Journal.Find(g.Name) is { } journal)
                foreach (var a in journal.Actions.Where(a => a.Entry.IsFile && a.Entry.Size > 0)) keepFiles.Add(groupStore.PathFor(a.Entry));
        }

        int files = 0, blobCount = 0, manifests = 0, temps = 0, stillLinked = 0;
        long fileBytes = 0, blobBytes = 0;
        foreach (var dir in ContentStore.AllFilesDirs(paths).SelectMany(Directory.EnumerateDirectories))
        {
            bool tmp = Path.GetFileName(dir) == "tmp";
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                if (!tmp && keepFiles.Contains(file))
                {
                    guard.Protect(file); // re-arm a flag a crash may have left cleared
                    continue;
                }
                var status = Native.LStat(file);
                // A variant (or a dpkg registration file) lives while a guest links it: only Stork links store inodes (both
                // are linked only from an immutable store), so its links are the guests that share it; its store name alone means unused.
                if (!tmp && (ContentStore.IsVariantName(Path.GetFileName(file)) || ContentStore.IsRegistrationName(Path.GetFileName(file))) && status is { LinkCount: > 1 })
                {
                    guard.Protect(file);
                    continue;
                }
                CrashPoints.Hit();
                // An immutable inode still linked from a guest (an orphan) keeps its store name: it is how verify,
                // repair and guest remove --delete-files recognise it as Stork's and lift it; freed once released.
                if (!tmp && guard.Immutable && status is { LinkCount: > 1, IsImmutable: true })
                {
                    stillLinked++;
                    continue;
                }
                guard.Unlink(file);
                if (tmp) { temps++; continue; }
                files++;
                if (status is { LinkCount: 1 } s) fileBytes += s.Size;
            }
        }
        ContentStore.PruneMd5SumsIndex(paths);
        // Folders of groups that have no guests left (their files are gone by now).
        foreach (var groupDir in ContentStore.AllFilesDirs(paths).Skip(1))
            if (!groupStores.ContainsKey(Path.GetFileName(groupDir))) Directory.Delete(groupDir, recursive: true);
        foreach (var blobDir in BlobId.ExistingDirsIn(paths.BlobsDir))
            foreach (var file in Directory.EnumerateFiles(blobDir))
            {
                var name = Path.GetFileName(file);
                if (!BlobId.IsWellFormed(name) || blobs.Contains(name)) continue;
                CrashPoints.Hit();
                blobBytes += new FileInfo(file).Length;
                File.Delete(file);
                blobCount++;
            }
        foreach (var sha in database.Manifests.ListBlobs())
            if (!blobs.Contains(sha)) { database.Manifests.Delete(sha); manifests++; }
        return new GcReport(files, fileBytes, blobCount, blobBytes, manifests, pruned, temps) { StoreFilesStillLinked = stillLinked };
    }
}

/// <summary>Blobs from the host cache only (for rollback), re-hashed before use.</summary>
public sealed class CachedBlobSource(HostPaths paths) : IBlobSource
{
    public Task<string> GetVerifiedBlobPathAsync(DesiredPackage package, CancellationToken ct)
    {
        var path = BlobId.PathIn(paths.BlobsDir, package.BlobSha256);
        if (!File.Exists(path)) throw new LocalException($"the blob of {package.Name} {package.Version} is not cached on this host");
        if (BlobId.HashOfFile(path, package.BlobSha256) != package.BlobSha256)
            throw new LocalException($"the cached blob of {package.Name} {package.Version} is damaged ({path}); delete it and install that version again");
        return Task.FromResult(path);
    }
}
