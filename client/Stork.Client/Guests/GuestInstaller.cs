using Stork.Client.Locking;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Brings a guest to a desired full package set.
/// Order of work, so that a failure before step 4 leaves the guest untouched:
/// 1. diff against the database; 2. fetch, verify and extract new packages into the content store;
/// 3. plan every guest path and check nothing unowned would be overwritten (<see cref="GuestConflictException"/>);
/// 4. materialize (hard links from the store; copies for config and empty files); 5. remove files of removed
/// packages; 6. commit the database in one transaction.
/// </summary>
public sealed class GuestInstaller(HostPaths paths, HostDatabase database)
{
    public IReadOnlyList<InstalledPackage> ListInstalled(string guest)
    {
        if (database.FindGuest(guest) is null) throw new GuestNotFoundException(guest);
        return database.ListInstalled(guest);
    }

    public async Task<InstallReport> ApplyAsync(string guest, IReadOnlyList<DesiredPackage> desiredFullSet, IBlobSource blobs, CancellationToken ct)
    {
        var record = database.FindGuest(guest) ?? throw new GuestNotFoundException(guest);
        ValidateDesired(desiredFullSet);
        // One apply per guest at a time, across processes.
        using var guestLock = await FileLock.AcquireAsync(Path.Combine(paths.LocksDir, $"guest-{guest}.lock"), $"guest {guest}", null, ct);

        var plan = InstallPlan.Create(database.ListInstalled(guest), desiredFullSet);
        var owned = database.ListOwnedFiles(guest);

        // 2. Store. Every blob is fully verified here; nothing in the guest has changed yet.
        var store = new ContentStore(paths);
        var manifests = new Dictionary<string, PackageManifest>(StringComparer.Ordinal);
        int storeFiles = 0;
        long storeBytes = 0;
        foreach (var package in plan.ToFetch)
        {
            ct.ThrowIfCancellationRequested();
            var blob = await blobs.GetVerifiedBlobPathAsync(package, ct);
            var ingested = store.Ingest(blob, package.Name, package.Version);
            manifests[package.Name] = ingested.Manifest;
            storeFiles += ingested.FilesAdded;
            storeBytes += ingested.BytesAdded;
        }

        // 3. Plan and preflight (read-only).
        var layout = GuestLayout.Build(guest, plan, owned, manifests);
        var steps = GuestPreflight.Check(record, layout, owned, plan.Replaced);
        ct.ThrowIfCancellationRequested(); // last point where cancelling leaves the guest untouched

        // 4 + 5. Change the guest.
        var work = new GuestWork(record, store);
        foreach (var step in steps) work.Materialize(step);
        foreach (var old in GuestLayout.PathsToRemove(owned, layout, plan.Replaced)) work.Remove(old);

        // 6. Database.
        var installedNow = plan.Added.Concat(plan.Upgraded.Select(u => u.New))
            .Select(p => new InstalledPackage(p.Name, p.Version, p.BlobSha256, p.Manual)).ToList();
        var newOwned = manifests.SelectMany(m => m.Value.Files.Select(f => OwnedFile.From(m.Key, f))).ToList();
        var manualChanges = plan.Unchanged.Where(u => u.Old.Manual != u.New.Manual)
            .Select(u => u.Old with { Manual = u.New.Manual }).ToList();
        database.Commit(new GuestChange(guest, plan.Removed.Select(p => p.Name).ToList(), installedNow, newOwned, manualChanges));

        return new InstallReport(
            guest,
            plan.Added.Select(p => $"{p.Name} {p.Version}").ToList(),
            plan.Upgraded.Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}").ToList(),
            plan.Removed.Select(p => $"{p.Name} {p.Version}").ToList(),
            work.FilesLinked, work.FilesCopied, work.BytesLinked, work.BytesCopied, work.FilesRemoved,
            work.KeptConfigs, work.CrossDeviceCopies, storeFiles, storeBytes);
    }

    private static void ValidateDesired(IReadOnlyList<DesiredPackage> desired)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var package in desired)
        {
            if (!PackageNames.IsValidName(package.Name)) throw new ArgumentException($"'{package.Name}' is not a valid package name");
            if (!PackageNames.TryParseVersion(package.Version, out _)) throw new ArgumentException($"{package.Name}: '{package.Version}' is not a SemVer 2 version");
            if (package.BlobSha256 is not { Length: 64 } sha || !sha.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
                throw new ArgumentException($"{package.Name} {package.Version}: blob sha256 must be 64 lowercase hex digits");
            if (!names.Add(package.Name)) throw new ArgumentException($"{package.Name} appears twice in the desired set");
        }
    }
}
