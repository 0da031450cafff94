using Stork.Client.Diagnostics;
using Stork.Client.Locking;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>What <c>adopt</c> did to one guest.</summary>
/// <param name="Adopted">"NAME DEBIAN_VERSION" of each package that is Stork's now.</param>
/// <param name="NotAdopted">Package name → why it stayed the image's (the first path at fault).</param>
public sealed record AdoptReport(string Guest, IReadOnlyList<string> Adopted, IReadOnlyDictionary<string, string> NotAdopted, InstallReport? Change);

public sealed partial class GuestInstaller
{
    /// <summary>
    /// Makes packages of the guest's dpkg image Stork's (<c>stork-get adopt</c>), as one journaled change: each
    /// package's files are verified against the published package (<see cref="ImageAdoption"/>) before anything
    /// changes; a package that does not match stays the image's and is reported; the others become installed Stork
    /// packages (requested), their shared files replaced by links of the store's own files (never the guest's inode),
    /// their dpkg paragraphs Stork-Managed. No maintainer script runs: the image configured them already.
    /// </summary>
    /// <param name="desiredFullSet">What the guest has now plus the candidates (each at the image's own version).</param>
    /// <param name="candidates">Name → the image's Debian version it was matched at.</param>
    public async Task<AdoptReport> AdoptAsync(string guest, IReadOnlyList<DesiredPackage> desiredFullSet, IReadOnlyDictionary<string, string> candidates,
        IBlobSource blobs, CancellationToken ct)
    {
        if (database.Guests.Find(guest) is null) throw new GuestNotFoundException(guest);
        ValidateDesired(desiredFullSet);
        using var storeLock = await SharedLock.AcquireAsync(paths.StoreLock, exclusive: false, "store", OnWait, ct);
        using var guestLock = await FileLock.AcquireAsync(GuestLockPath(guest), $"guest {guest}", OnWait, ct);
        RecoverLocked(guest);
        var record = database.Guests.Find(guest) ?? throw new GuestNotFoundException(guest);
        var installed = database.Ownership.ListInstalled(guest);
        var owned = database.Ownership.ListOwnedFiles(guest);
        var changes = PackageChanges.Create(installed, desiredFullSet);
        // PackageOperations.AdoptAsync builds the set as the installed packages plus the candidates: anything else is a bug.
        if (changes.Removed.Count + changes.Upgraded.Count > 0 || changes.Added.Any(p => !candidates.ContainsKey(p.Name)))
            throw new InvalidOperationException("bug: an adoption's desired set must be the installed packages plus the candidates");

        var store = ContentStore.For(paths, record);
        var manifests = new Dictionary<string, PackageManifest>(StringComparer.Ordinal);
        using (PhaseTimings.Measure("store (manifests, ingest)"))
            await FetchManifestsAsync(store, changes.ToFetch, blobs, manifests, ct);

        using var root = GuestRoot.Open(record);
        if (!DpkgBase.Has(root, record))
            throw new GuestException($"guest '{guest}' has no dpkg base image (/{DpkgStatus.StatusPath}); there is nothing to adopt");
        // Read again under the guest's lock: the guest's admin may have run apt since the candidates were chosen.
        var image = (DpkgBase.Read(root, record) ?? []).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var notAdopted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        GuestAccounts? accounts = null;
        using (PhaseTimings.Measure("adopt check"))
        using (root.CacheDirectories()) // a read-only pass: staging and apply resolve every directory afresh
        {
            foreach (var (name, manifest) in manifests)
            {
                if (!image.TryGetValue(name, out var own) || own.DebianVersion != candidates[name])
                    notAdopted[name] = $"the guest's dpkg no longer has {name} {candidates[name]} installed";
                else if (ImageAdoption.FirstMismatch(root, manifest, () => accounts ??= GuestAccounts.Read(root)) is { } problem)
                    notAdopted[name] = problem;
            }
        }
        var desired = desiredFullSet.Where(p => !notAdopted.ContainsKey(p.Name)).ToList();
        var adopting = manifests.Keys.Where(n => !notAdopted.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        var adopted = adopting.Order(StringComparer.Ordinal).Select(n => $"{n} {candidates[n]}").ToList();
        if (adopting.Count == 0) return new AdoptReport(guest, [], notAdopted, null);

        ct.ThrowIfCancellationRequested(); // last point where cancelling leaves the guest untouched
        var (linkMode, _) = ResolveLinkMode(record, root, store);
        changes = PackageChanges.Create(installed, desired);
        var arriving = manifests.Where(m => adopting.Contains(m.Key)).ToDictionary();
        var input = new PlannerInput(record, installed, owned, desired, arriving, new GuestTreeView(root), e => Native.LStat(store.PathFor(e)), linkMode,
            VariantStatus(linkMode, store, root))
        { Adopting = adopting };
        InstallPlan plan;
        using (PhaseTimings.Measure("plan"))
        using (root.CacheDirectories()) plan = InstallPlanner.Plan(input);
        var packagesNow = desired.Select(p => new InstalledPackage(p.Name, p.Version, p.BlobSha256, p.Manual)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        int generation = database.Generations.Current(guest);
        var summary = "adopt from the image: " + string.Join(", ", adopted);
        // Recorded before the change: whatever happens next, an adopted package is never removed with the image's files.
        database.Adoptions.Add(guest, adopting, generation + 1);
        var transaction = new GuestTransaction(root, store, new StoreGuard(paths), linkMode, GuestTransaction.NewTxId(), owned);
        var journal = new JournalRecord(guest, transaction.TxId, JournalState.Staging, desired, linkMode, summary, time.GetUtcNow().ToUnixTimeSeconds());
        generation = JournaledChange.Run(database, transaction, journal, plan.Actions,
            () => database.CommitGeneration(guest, packagesNow, OwnedFilesOf(guest, packagesNow, owned, manifests), linkMode, summary, time.GetUtcNow()));
        var installedNow = desired.Select(p => (p.Name, Manifest: manifests.GetValueOrDefault(p.Name) ?? KnownManifest(p.BlobSha256)))
            .Where(p => p.Manifest is not null).ToDictionary(p => p.Name, p => p.Manifest!, StringComparer.Ordinal);
        // The image's paragraphs become Stork-Managed ones, and .list/.md5sums Stork's; its maintainer scripts stay.
        using (PhaseTimings.Measure("dpkg registration"))
            DpkgRegistration.Write(root, adopting, installedNow, store.PathFor, Registrations(linkMode, store));
        // Multi-Arch: same packages had NAME:ARCH.list and .md5sums; Stork's paragraph (no Multi-Arch) uses NAME.list.
        foreach (var name in adopting.Where(n => image[n].Architecture is { Length: > 0 }))
            foreach (var kind in new[] { "list", "md5sums" })
                root.TryUnlink($"{MaintainerScriptPhase.InfoDir}/{name}:{image[name].Architecture}.{kind}");
        var change = new InstallReport(guest, changes.Added.Select(p => $"{p.Name} {p.Version}").ToList(), [], [],
            transaction.FilesLinked, transaction.FilesCopied, transaction.BytesLinked, transaction.BytesCopied, 0, [], [], 0, 0)
        { Generation = generation, LinkMode = linkMode };
        return new AdoptReport(guest, adopted, notAdopted, change);
    }
}
