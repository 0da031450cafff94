using Stork.Client.Packages;
using Stork.Client.Diagnostics;
using Stork.Client.Locking;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Brings a guest to a desired full package set: plan, then act.
/// 1. recover an interrupted change of this guest (roll back or forward); 2. diff against the database;
/// 3. fetch, verify and extract new packages into the content store; 4. <see cref="InstallPlanner"/> decides every
/// step and refuses to overwrite files no package owns (<see cref="GuestConflictException"/>);
/// 5. <see cref="GuestTransaction"/> stages, reaches the commit point, applies, and records a new generation.
/// Holds the store lock shared (gc takes it exclusively) and the guest's lock exclusively throughout.
/// </summary>
public sealed partial class GuestInstaller(HostPaths paths, HostDatabase database, TimeProvider time)
{
    /// <summary>The clock that dates journals and generations (the CLI passes the system clock).</summary>
    public TimeProvider Time => time;

    /// <summary>Told when this process waits for a lock held by another one.</summary>
    public Action<string>? OnWait { get; init; }

    public IReadOnlyList<InstalledPackage> ListInstalled(string guest)
    {
        if (database.Guests.Find(guest) is null) throw new GuestNotFoundException(guest);
        return database.Ownership.ListInstalled(guest);
    }

    /// <summary>The installed packages adopted from the guest's dpkg image (<c>adopt</c>): its base, which no change removes.</summary>
    public IReadOnlySet<string> AdoptedInstalled(string guest)
    {
        var adopted = database.Adoptions.Load(guest);
        return adopted.Count == 0 ? new HashSet<string>()
            : ListInstalled(guest).Select(p => p.Name).Where(adopted.ContainsKey).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The Debian version an installed package was imported from (its manifest's debianVersion), or null.</summary>
    public string? DebianVersionOf(InstalledPackage package) => KnownManifest(package.BlobSha256)?.DebianVersion;

    /// <summary>What the guest's own dpkg has installed (its base image), or null when the guest has no dpkg database.</summary>
    public IReadOnlyList<DpkgPackage>? ReadBaseImage(string guest)
    {
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        using var root = GuestRoot.Open(record);
        return DpkgBase.Read(root, record);
    }

    /// <summary>Plans without changing anything (dry run): package manifests come from the host database when known.</summary>
    public InstallPlan Plan(string guest, IReadOnlyList<DesiredPackage> desiredFullSet)
    {
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        ValidateDesired(desiredFullSet);
        var changes = PackageChanges.Create(database.Ownership.ListInstalled(guest), desiredFullSet);
        var manifests = new Dictionary<string, PackageManifest>(StringComparer.Ordinal);
        foreach (var package in changes.ToFetch)
        {
            if (KnownManifest(package.BlobSha256) is { } m) manifests[package.Name] = m;
            else if (File.Exists(BlobId.PathIn(paths.BlobsDir, package.BlobSha256)))
            {
                // Cached (and verified when downloaded) but not yet installed anywhere: its manifest opens the blob.
                using var reader = PackageReader.Open(BlobId.PathIn(paths.BlobsDir, package.BlobSha256));
                manifests[package.Name] = reader.Manifest;
            }
        }
        var store = ContentStore.For(paths, record);
        LinkMode mode = record.LinkModeUsed ?? (record.LinkMode == LinkMode.Auto ? LinkMode.HardLink : record.LinkMode);
        using var root = GuestRoot.Open(record);
        return InstallPlanner.Plan(new PlannerInput(record, database.Ownership.ListInstalled(guest), database.Ownership.ListOwnedFiles(guest), desiredFullSet,
            manifests, new GuestTreeView(root), e => Native.LStat(store.PathFor(e)), mode, VariantStatus(mode, store, root)));
    }

    /// <param name="scripts">Which packages may run maintainer scripts (null: none; files only).</param>
    public async Task<InstallReport> ApplyAsync(string guest, IReadOnlyList<DesiredPackage> desiredFullSet, IBlobSource blobs, CancellationToken ct, string? summary = null,
        ScriptPolicy? scripts = null, bool deletingRoot = false)
    {
        if (database.Guests.Find(guest) is null) throw new GuestNotFoundException(guest);
        ValidateDesired(desiredFullSet);
        // Pins store content against gc, and one change per guest at a time, across processes.
        using var storeLock = await SharedLock.AcquireAsync(paths.StoreLock, exclusive: false, "store", OnWait, ct);
        using var guestLock = await FileLock.AcquireAsync(GuestLockPath(guest), $"guest {guest}", OnWait, ct);
        RecoverLocked(guest);
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);

        var storePhase = PhaseTimings.Measure("store (ingest or check)");
        var installed = database.Ownership.ListInstalled(guest);
        var owned = database.Ownership.ListOwnedFiles(guest);
        var changes = PackageChanges.Create(installed, desiredFullSet);
        if (!deletingRoot) AdoptionRecord.RequireKept(database, guest, changes.Removed); // the image's files stay

        // Store. Every blob is fully verified here; nothing in the guest has changed yet.
        var store = ContentStore.For(paths, record);
        var manifests = new Dictionary<string, PackageManifest>(StringComparer.Ordinal);
        int storeFiles = _aheadFiles;
        long storeBytes = _aheadBytes;
        _aheadFiles = 0;
        _aheadBytes = 0;
        var (ingestedFiles, ingestedBytes) = await FetchManifestsAsync(store, changes.ToFetch, blobs, manifests, ct);
        storeFiles += ingestedFiles;
        storeBytes += ingestedBytes;

        storePhase.Dispose();
        var leaving = changes.Removed.Concat(changes.Upgraded.Select(u => u.Old))
            .Select(p => (p.Name, Manifest: KnownManifest(p.BlobSha256))).Where(p => p.Manifest is not null)
            .ToDictionary(p => p.Name, p => p.Manifest!, StringComparer.Ordinal);
        // Without a runner a change whose scripts may run stops here, before anything in the guest is touched (the
        // link-mode probe included), rather than after its files are in place.
        if (scripts is not null) MaintainerScriptPhase.RequireRunner(scripts, manifests.Values.Concat(leaving.Values));
        var planPhase = PhaseTimings.Measure("link mode + plan");
        using var root = GuestRoot.Open(record);
        bool dpkgBase = DpkgBase.Has(root, record); // a declared base that is gone stops the change before any file is touched
        var (linkMode, why) = ResolveLinkMode(record, root, store);
        InstallPlan plan;
        try
        {
            plan = InstallPlanner.Plan(new PlannerInput(record, installed, owned, desiredFullSet, manifests,
                new GuestTreeView(root), e => Native.LStat(store.PathFor(e)), linkMode, VariantStatus(linkMode, store, root)));
        }
        catch (GuestConflictException e) when (dpkgBase)
        {
            // Files of the guest's own dpkg packages are never overwritten: they are not Stork's.
            throw new GuestConflictException(e.Guest, e.Path,
                $"{e.Message}; the guest has a dpkg base image, and 'dpkg -S /{e.Path}' inside it names the Debian package that owns the file");
        }
        ct.ThrowIfCancellationRequested(); // last point where cancelling leaves the guest untouched
        planPhase.Dispose();

        var packagesNow = desiredFullSet.Select(p => new InstalledPackage(p.Name, p.Version, p.BlobSha256, p.Manual)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        bool manualChanged = changes.Unchanged.Any(u => u.Old.Manual != u.New.Manual);
        int generation = database.Generations.Current(guest);
        var transaction = new GuestTransaction(root, store, new StoreGuard(paths), linkMode, GuestTransaction.NewTxId(), owned);
        var phase = new MaintainerScriptPhase(root, scripts ?? new ScriptPolicy(new HashSet<string>(), () => ScriptRunner.Detect()), paths.StateDir, time)
        { BaseGeneration = generation, DpkgBase = dpkgBase };
        IReadOnlyList<string> scriptFailures = [];
        string? historyProblem = null;
        try
        {
            await phase.BeforeAsync(changes, manifests, leaving, ct); // a failure here leaves the guest's files as they were
            if (plan.Changed || plan.Actions.Count > 0 || manualChanged)
            {
                summary ??= Summarize(plan);
                var journal = new JournalRecord(guest, transaction.TxId, JournalState.Staging, desiredFullSet, linkMode, summary, time.GetUtcNow().ToUnixTimeSeconds());
                generation = JournaledChange.Run(database, transaction, journal, plan.Actions,
                    () => database.CommitGeneration(guest, packagesNow, OwnedFilesOf(guest, packagesNow, owned, manifests), linkMode, summary, time.GetUtcNow()));
                phase.Filed(generation);
            }
            var installedNow = desiredFullSet.Select(p => (p.Name, Manifest: manifests.GetValueOrDefault(p.Name) ?? KnownManifest(p.BlobSha256)))
                .Where(p => p.Manifest is not null).ToDictionary(p => p.Name, p => p.Manifest!, StringComparer.Ordinal);
            // A dpkg guest's apt and dpkg see Stork's packages (before postinsts, which may ask dpkg).
            if (plan.Changed && dpkgBase) DpkgRegistration.Write(root, changes.Replaced, installedNow, store.PathFor, Registrations(linkMode, store));
            if (scripts is not null) scriptFailures = await phase.AfterAsync(changes, manifests, leaving, installedNow, ct);
        }
        finally
        {
            phase.Finish();
            // Each run was kept as it ended, even when the change stops (that is when the output matters most); a
            // history that cannot be written is said in the notes of a change that otherwise succeeded.
            historyProblem = phase.HistoryProblem;
        }
        if (scriptFailures.Count > 0)
            throw new MaintainerScriptException(guest, $"{string.Join("; ", scriptFailures)}; the files are installed as generation {generation}; " +
                $"a package whose postinst failed is left unconfigured (as dpkg's half-configured) and is configured again by the next change of guest {guest} " +
                $"(for example: stork-get install --guest {guest} NAME); the scripts' output: stork-get history --guest {guest} --scripts {generation}");
        var notes = phase.Notes.ToList();
        if (historyProblem is not null) notes.Add($"guest {guest}: the maintainer scripts' output could not be kept in history: {historyProblem}");
        if (phase.NotAllowed.Count > 0)
            notes.Insert(0, $"guest {guest}: maintainer scripts not run (not allowed by this host: stork.json scripts.allowed_roles) for {phase.NotAllowed.Count} package(s): " +
                string.Join(", ", phase.NotAllowed.Take(8)) + (phase.NotAllowed.Count > 8 ? ", ..." : ""));

        var crossDevice = why is not null
            ? plan.Actions.Where(a => a.Kind == FileActionKind.Copy && !a.Entry.IsConfig).Select(a => "/" + a.Path).ToList()
            : [];
        return new InstallReport(
            guest,
            changes.Added.Select(p => $"{p.Name} {p.Version}").ToList(),
            changes.Upgraded.Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}").ToList(),
            changes.Removed.Select(p => $"{p.Name} {p.Version}").ToList(),
            transaction.FilesLinked, transaction.FilesCopied, transaction.BytesLinked, transaction.BytesCopied, transaction.FilesRemoved,
            transaction.KeptConfigs.Distinct().ToList(), crossDevice, storeFiles, storeBytes)
        {
            Generation = generation,
            LinkMode = linkMode,
            NewConfigs = plan.NewConfigs.ToList(),
            ScriptNotes = notes,
            Unreached = transaction.Unreached.Distinct().ToList(),
        };
    }

    /// <summary>
    /// Each package's manifest into <paramref name="manifests"/>: the store's when it holds the package already, else
    /// the blob is fetched, fully verified and ingested. Returns the files and bytes the store gained.
    /// </summary>
    private async Task<(int Files, long Bytes)> FetchManifestsAsync(ContentStore store, IEnumerable<DesiredPackage> packages, IBlobSource blobs,
        Dictionary<string, PackageManifest> manifests, CancellationToken ct)
    {
        int files = 0;
        long bytes = 0;
        foreach (var package in packages)
        {
            ct.ThrowIfCancellationRequested();
            if (StoredManifest(store, package) is { } known)
            {
                manifests[package.Name] = known;
                continue;
            }
            var ingested = store.Ingest(await blobs.GetVerifiedBlobPathAsync(package, ct), package.Name, package.Version);
            RememberManifest(package, ingested.Manifest);
            manifests[package.Name] = ingested.Manifest;
            files += ingested.FilesAdded;
            bytes += ingested.BytesAdded;
        }
        return (files, bytes);
    }

    /// <summary>
    /// True when the package was extracted into the store before, so installing it should need no blob. Only the
    /// database is asked: <see cref="ApplyAsync"/> checks the files themselves and fetches the blob if one is missing.
    /// </summary>
    public bool IsInStore(DesiredPackage package) =>
        KnownManifest(package.BlobSha256) is { } known && known.Name == package.Name && known.Version == package.Version;

    /// <summary>Already extracted for another guest: the manifest is known by blob hash and every file is in the store.</summary>
    private PackageManifest? StoredManifest(ContentStore store, DesiredPackage package) =>
        KnownManifest(package.BlobSha256) is { } known && known.Name == package.Name && known.Version == package.Version
            && known.Files.Where(f => f.IsFile && f.Size > 0).All(f => IsStoredIntact(store, f))
            ? known : null;

    // Manifests are immutable per blob hash: read and parsed from the database once per process.
    private readonly Dictionary<string, PackageManifest?> _manifests = new(StringComparer.Ordinal);

    private void RememberManifest(DesiredPackage package, PackageManifest manifest)
    {
        database.Manifests.Save(package.BlobSha256, manifest);
        // The database keeps name, version and files; scripts, triggers, owners and the Debian version live beside it.
        if (manifest.Scripts is not null || manifest.Triggers is not null || manifest.DebianVersion is not null || manifest.Files.Any(f => !f.IsRootOwned))
        {
            Directory.CreateDirectory(FullManifestsDir);
            AtomicFile.Write(FullManifestPath(package.BlobSha256), PackageJson.Serialize(manifest));
        }
        _manifests[package.BlobSha256] = manifest;
    }

    private string FullManifestsDir => Path.Combine(paths.StateDir, "manifests");
    private string FullManifestPath(string blobSha256) => Path.Combine(FullManifestsDir, blobSha256 + ".json");

    private PackageManifest? KnownManifest(string blobSha256)
    {
        if (!_manifests.TryGetValue(blobSha256, out var manifest))
            _manifests[blobSha256] = manifest = FullManifest(blobSha256) ?? database.Manifests.Load(blobSha256);
        return manifest;
    }

    // Written by this host from a verified blob; one that no longer parses is ignored (the database's copy serves).
    private PackageManifest? FullManifest(string blobSha256)
    {
        var path = FullManifestPath(blobSha256);
        if (!File.Exists(path)) return null;
        try { return PackageJson.DeserializeManifest(File.ReadAllBytes(path)); }
        catch (Exception e) when (e is not OutOfMemoryException) { return null; }
    }

    // Store files this installer has hashed (or ingested) already: several guests in one run check each once.
    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);

    /// <summary>
    /// A store file can be reused without its blob when it is intact: immutable store files cannot have been
    /// altered through a guest's hard link, so stat checks suffice; otherwise the content is re-hashed (once per run).
    /// </summary>
    private bool IsStoredIntact(ContentStore store, PackageFileEntry entry)
    {
        var path = store.PathFor(entry);
        if (_verified.Contains(path)) return store.Contains(entry);
        bool intact = paths.ImmutableStore && store.ContainsImmutable(entry) || store.ContainsIntact(entry);
        if (intact) _verified.Add(path);
        return intact;
    }

    public string GuestLockPath(string guest) => Path.Combine(paths.LocksDir, $"guest-{guest}.lock");

    /// <summary>Finishes or undoes an interrupted change of one guest. Returns what it did, or null if there was nothing.</summary>
    public string? Recover(string guest)
    {
        if (database.Journal.Find(guest) is null) return null;
        using var storeLock = SharedLock.Acquire(paths.StoreLock, exclusive: false, "store", OnWait);
        using var guestLock = FileLock.Acquire(GuestLockPath(guest), $"guest {guest}", OnWait);
        return RecoverLocked(guest);
    }

    /// <summary>Recovers every guest with an interrupted change; returns "guest: what" lines (a guest whose root vanished is reported, not recovered).</summary>
    public IReadOnlyList<string> RecoverAll() =>
        database.Journal.ListGuests().Select(g =>
        {
            try { return Recover(g) is { } done ? $"{g}: {done}" : null; }
            catch (GuestRootMissingException e) { return $"{g}: not recovered: {e.Message}"; }
        }).OfType<string>().ToList();

    /// <summary>Recovery for callers that already hold the store lock (shared) and the guest's lock.</summary>
    internal string? RecoverWhileLocked(string guest) => RecoverLocked(guest);

    private string? RecoverLocked(string guest)
    {
        if (database.Journal.Find(guest) is not { } journal) return null;
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        var (entry, actions) = journal;
        var store = ContentStore.For(paths, record);
        var guard = new StoreGuard(paths);
        using var root = GuestRoot.Open(record);
        var transaction = new GuestTransaction(root, store, guard, entry.LinkMode, entry.TxId, database.Ownership.ListOwnedFiles(guest));
        // A crash inside a lift window left that store file mutable: set the flag again (and re-hash it) first.
        RearmStoreFiles(store, guard, actions);
        if (entry.State == JournalState.Staging)
        {
            transaction.Rollback(actions);
            database.Journal.Delete(guest);
            return $"rolled back an interrupted change ({entry.Summary})";
        }
        transaction.Apply(actions);
        var packages = entry.Desired.Select(p => new InstalledPackage(p.Name, p.Version, p.BlobSha256, p.Manual)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var manifests = new Dictionary<string, PackageManifest>(StringComparer.Ordinal);
        foreach (var p in entry.Desired)
            if (database.Manifests.Load(p.BlobSha256) is { } m) manifests[p.Name] = m;
        var generation = database.CommitGeneration(guest, packages, OwnedFilesOf(guest, packages, database.Ownership.ListOwnedFiles(guest), manifests), entry.LinkMode, entry.Summary, time.GetUtcNow());
        return $"completed an interrupted change as generation {generation} ({entry.Summary})";
    }

    private static List<OwnedFile> OwnedFilesOf(string guest, IReadOnlyList<InstalledPackage> packages, IReadOnlyList<OwnedFile> currentOwned, IReadOnlyDictionary<string, PackageManifest> manifests)
    {
        var files = new List<OwnedFile>();
        foreach (var package in packages)
        {
            if (manifests.TryGetValue(package.Name, out var manifest) && manifest.Version == package.Version)
                files.AddRange(manifest.Files.Select(f => OwnedFile.From(package.Name, f)));
            else
                files.AddRange(currentOwned.Where(f => f.Package == package.Name));
        }
        return files;
    }

    /// <summary>
    /// Decides how store files reach the guest, before any work: a probe file is hard-linked (or reflinked) from the
    /// store into the guest root. For auto the first way that works is used and recorded with the generation.
    /// Returns the mode and, when auto had to fall back, why.
    /// </summary>
    /// <summary>
    /// Store files of an interrupted change that are not immutable any more (a crash inside a lift window) could
    /// have been written through a guest's link meanwhile: they get the flag back, then are re-hashed; a changed
    /// one leaves the store (guests holding it show as drifted in verify, and repair restores them).
    /// </summary>
    private static void RearmStoreFiles(ContentStore store, StoreGuard guard, IReadOnlyList<FileAction> actions)
    {
        if (!guard.Immutable) return;
        foreach (var action in actions.Where(a => a.Kind == FileActionKind.Share).DistinctBy(a => store.PathFor(a.Entry)))
        {
            var file = store.PathFor(action.Entry);
            if (Native.LStat(file) is not { IsRegularFile: true, IsImmutable: false }) continue;
            guard.Protect(file);
            if (!Native.LStat(file)!.Value.IsImmutable) continue; // the filesystem has no inode flags
            if (store.ContainsIntact(action.Entry)) continue;
            guard.RunLifted(() => Native.Rename(file, store.NewTempPath()), file); // gc removes it
        }
    }

    private (LinkMode Mode, string? FellBack) ResolveLinkMode(GuestRecord guest, GuestRoot root, ContentStore store)
    {
        if (guest.LinkModeUsed is { } used) return (used, null);
        switch (guest.LinkMode)
        {
            case LinkMode.Copy:
                return (LinkMode.Copy, null);
            case LinkMode.HardLink:
                if (Probe(store, root, reflink: false) is { } hardError)
                    throw new GuestException($"guest '{guest.Name}': cannot hard-link from the store ({paths.FilesDir}) into '{guest.Root}': {hardError}; nothing was changed. " +
                        $"Put the guest on the store's filesystem, or change its link mode: stork-get guest set-link-mode {guest.Name} auto (or reflink, copy)");
                return (LinkMode.HardLink, null);
            case LinkMode.Reflink:
                if (Probe(store, root, reflink: true) is { } reflinkError)
                    throw new GuestException($"guest '{guest.Name}': cannot reflink from the store ({paths.FilesDir}) into '{guest.Root}': {reflinkError}; nothing was changed. " +
                        $"Reflinks need the store and guest on one btrfs/xfs filesystem; or change its link mode: stork-get guest set-link-mode {guest.Name} auto (or copy)");
                return (LinkMode.Reflink, null);
            default:
                var hard = Probe(store, root, reflink: false);
                if (hard is null) return (LinkMode.HardLink, null);
                var clone = Probe(store, root, reflink: true);
                if (clone is null) return (LinkMode.Reflink, hard);
                return (LinkMode.Copy, $"{hard}; {clone}");
        }
    }

    private static string? Probe(ContentStore store, GuestRoot root, bool reflink)
    {
        var source = store.NewTempPath();
        var target = $".stork-probe-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12))}";
        try
        {
            File.WriteAllText(source, "stork link probe\n");
            if (reflink)
            {
                int errno = root.TryReflinkFromStore(source, target, 0x180);
                return errno == 0 ? null : errno switch
                {
                    NativeFs.EXDEV => "different filesystems (EXDEV)",
                    NativeFs.EOPNOTSUPP or NativeFs.EINVAL or NativeFs.ENOTTY => "the filesystem does not support reflinks",
                    _ => $"FICLONE failed with errno {errno}",
                };
            }
            try
            {
                int errno = root.TryLinkFromStore(source, target);
                return errno == 0 ? null : $"link failed: {GuestSyscalls.Describe(errno)}";
            }
            catch (CrossDeviceLinkException) { return "different filesystems (EXDEV)"; }
        }
        finally
        {
            root.TryUnlink(target);
            NativeFs.TryUnlink(source);
        }
    }

    private static string Summarize(InstallPlan plan)
    {
        var parts = new List<string>();
        if (plan.Packages.Added.Count > 0) parts.Add("install " + string.Join(", ", plan.Packages.Added.Select(p => $"{p.Name} {p.Version}")));
        if (plan.Packages.Upgraded.Count > 0) parts.Add("upgrade " + string.Join(", ", plan.Packages.Upgraded.Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}")));
        if (plan.Packages.Removed.Count > 0) parts.Add("remove " + string.Join(", ", plan.Packages.Removed.Select(p => $"{p.Name} {p.Version}")));
        return parts.Count == 0 ? "change which packages count as requested" : string.Join("; ", parts);
    }

    internal static void ValidateDesired(IReadOnlyList<DesiredPackage> desired)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var package in desired)
        {
            if (!PackageNames.IsValidName(package.Name)) throw new ArgumentException($"'{package.Name}' is not a valid package name");
            if (!PackageNames.TryParseVersion(package.Version, out _)) throw new ArgumentException($"{package.Name}: '{package.Version}' is not a SemVer 2 version");
            if (!BlobId.IsWellFormed(package.BlobSha256))
                throw new ArgumentException($"{package.Name} {package.Version}: the blob id must be a sha256 or sha512 in lowercase hex");
            if (!names.Add(package.Name)) throw new ArgumentException($"{package.Name} appears twice in the desired set");
        }
    }
}
