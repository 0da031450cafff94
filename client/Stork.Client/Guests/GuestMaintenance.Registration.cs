using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Crypto;

namespace Stork.Client.Guests;

public sealed partial class GuestMaintenance
{
    private const int MaxRegistrationBytes = 64 << 20;

    /// <summary>
    /// verify of a dpkg guest's registration files (info/NAME.list, NAME.md5sums of each Stork package): present, regular,
    /// with the bytes Stork registers, and, where they are shared, the store's inode itself (a replaced file is drift even
    /// with the right bytes: it no longer follows the store). A private md5sums is compared when the host remembers them.
    /// </summary>
    private List<Drift> RegistrationDrift(GuestRecord guest, GuestRoot root)
    {
        var drift = new List<Drift>();
        if (guest.Base == GuestBases.None || !DpkgStatus.Present(root)) return drift;
        var store = ContentStore.For(paths, guest);
        bool share = installer.Registrations(guest.EffectiveLinkMode, store).Share;
        foreach (var package in database.Ownership.ListInstalled(guest.Name))
        {
            if (installer.ManifestOf(package.BlobSha256) is not { } manifest) continue;
            var list = RegistrationFiles.ListOf(manifest);
            var listStore = store.RegistrationPath(Hashing.Sha256Hex(list));
            var md5Store = store.KnownMd5Sums(RegistrationFiles.Md5SumsKey(manifest));
            foreach (var (kind, storeFile) in new[] { ("list", (string?)listStore), ("md5sums", md5Store) })
            {
                var relative = $"{MaintainerScriptPhase.InfoDir}/{package.Name}.{kind}";
                if (RegistrationProblem(root, relative, storeFile, share) is { } problem)
                    drift.Add(new Drift(guest.Name, "/" + relative, package.Name, DriftKind.Registration, problem));
            }
        }
        return drift;
    }

    private static string? RegistrationProblem(GuestRoot root, string relative, string? storeFile, bool share)
    {
        if (root.LStat(relative) is not { } status) return "dpkg registration file missing";
        if (!status.IsRegularFile) return $"dpkg registration file is not a regular file ({GuestRoot.KindOf(status)})";
        if (storeFile is null || Native.LStat(storeFile) is not { } stored) return null; // md5sums not remembered: present is all that is known
        if (share && stored.IsImmutable) return status.IsSameFileAs(stored) ? null : "dpkg registration file is not the store's shared copy (replaced?)";
        byte[]? bytes;
        try { bytes = root.ReadSmallFile(relative, MaxRegistrationBytes); }
        catch (GuestException e) { return e.Message; }
        return bytes is not null && Hashing.Sha256Hex(bytes) == Path.GetFileName(storeFile)[..64] ? null : "dpkg registration file content differs from what Stork registered";
    }

    /// <summary>repair of registration drift: the package's .list and .md5sums put back (md5sums hashed again from the store).</summary>
    private List<string> RepairRegistration(GuestRecord record, GuestRoot root, ContentStore store, IReadOnlyCollection<string> packages)
    {
        var repaired = new List<string>();
        if (packages.Count == 0) return repaired;
        var files = installer.Registrations(record.EffectiveLinkMode, store);
        var installed = database.Ownership.ListInstalled(record.Name).ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in packages.Order(StringComparer.Ordinal))
        {
            if (!installed.TryGetValue(name, out var package) || installer.ManifestOf(package.BlobSha256) is not { } manifest) continue;
            DpkgRegistration.Put(root, manifest, files, store.PathFor, replaced: true, repair: true);
            repaired.Add($"/{MaintainerScriptPhase.InfoDir}/{name}.list");
            repaired.Add($"/{MaintainerScriptPhase.InfoDir}/{name}.md5sums");
        }
        return repaired;
    }
}
