using Stork.Client.State;
using System.Text.Json.Nodes;
using NuGet.Versioning;
using Stork.Client.Packages;
using Stork.Client.Guests;
using Stork.Client.Store;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Operations;

/// <summary>What <c>recover --rebuild</c> proved, per guest.</summary>
public sealed record RebuiltGuest(string Name, string Root, IReadOnlyList<InstalledPackage> Packages);

/// <summary>
/// <c>stork-get recover --rebuild</c>: when state.db is lost or damaged, rebuilds the registry from what can be
/// proven. The guests' names and roots come from STATE/guest-roots.json (written on every guest add) or the
/// command line; the package manifests from the cached blobs (each re-hashed against its name). A package
/// version counts as installed in a guest when every entry of its manifest is there: each shared file is the
/// store's inode (or, for copied files, has the manifest's hash), each symlink has its target, each directory
/// exists; config files only need to exist (an admin may have edited them). The new database takes the store's
/// host id and replaces state.db atomically; a damaged one is kept beside it as state.db.damaged-TIME.
/// </summary>
public sealed class HostStateRebuilder(HostPaths paths, TimeProvider time)
{
    public Action<string>? OnNote { get; init; }

    /// <param name="extraGuests">NAME=ROOT pairs that add to (or override) the guest-roots file.</param>
    public IReadOnlyList<RebuiltGuest> Rebuild(IReadOnlyDictionary<string, string> extraGuests)
    {
        RequireBrokenDatabase();
        var guests = ReadGuestRoots();
        foreach (var (name, root) in extraGuests) guests[name] = guests.TryGetValue(name, out var g) ? (Path.GetFullPath(root), g.LinkMode, g.ShareGroup, g.Base) : (Path.GetFullPath(root), LinkMode.HardLink, ShareGroups.Default, GuestBases.Auto);
        if (guests.Count == 0)
            throw new LocalException($"no guests to rebuild: {HostIdentity.GuestRootsPath(paths.StateDir)} is missing; name them with --guest-root NAME=DIR");

        var manifests = ReadCachedManifests();
        var results = new List<(RebuiltGuest Guest, LinkMode LinkMode, string ShareGroup, string Base, List<(InstalledPackage Package, PackageManifest Manifest)> Found)>();
        foreach (var (name, (root, linkMode, shareGroup, baseImage)) in guests.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var store = new ContentStore(paths, shareGroup); // shared files are proven against the guest's own group
            if (Native.LStat(root) is not { IsDirectory: true })
            {
                OnNote?.Invoke($"guest {name}: root {root} is not a directory; left out");
                continue;
            }
            List<(InstalledPackage Package, PackageManifest Manifest)> found;
            // The guest's files are read only through its root handle (never a host path string into the guest).
            using (var guestRoot = GuestRoot.Open(name, root))
                found = ProveInstalled(guestRoot, manifests, store);
            var installed = found.Select(f => f.Package).ToList();
            results.Add((new RebuiltGuest(name, root, installed), linkMode, shareGroup, baseImage, found));
        }

        var id = HostIdentity.ReadStoreId(paths) ?? HostIdentity.NewId();
        MoveDamagedAside();
        HostIdentity.InstallNew(paths, id, database =>
        {
            foreach (var (guest, linkMode, shareGroup, baseImage, found) in results)
            {
                database.Guests.Insert(new GuestRecord(guest.Name, guest.Root, linkMode, null, shareGroup, baseImage));
                foreach (var (package, manifest) in found) database.Manifests.Save(package.BlobSha256, manifest);
                var owned = found.SelectMany(f => f.Manifest.Files.Select(e => OwnedFile.From(f.Package.Name, e))).ToList();
                database.CommitGeneration(guest.Name, guest.Packages, owned, null, "rebuilt by recover --rebuild", time.GetUtcNow());
            }
        });
        HostIdentity.WriteStoreId(paths, id);
        return results.Select(r => r.Guest).ToList();
    }

    /// <summary>An intact database of this host is never replaced.</summary>
    private void RequireBrokenDatabase()
    {
        if (!File.Exists(paths.Database)) return;
        try
        {
            using var database = HostDatabase.Open(paths);
        }
        catch (LocalException)
        {
            return; // missing, empty, damaged or foreign: that is what --rebuild is for
        }
        throw new LocalException($"{paths.Database} is intact and belongs to this store; nothing to rebuild (run 'stork-get recover' for interrupted changes)");
    }

    private Dictionary<string, (string Root, LinkMode LinkMode, string ShareGroup, string Base)> ReadGuestRoots()
    {
        var path = HostIdentity.GuestRootsPath(paths.StateDir);
        var guests = new Dictionary<string, (string, LinkMode, string, string)>(StringComparer.Ordinal);
        if (!File.Exists(path)) return guests;
        try
        {
            if (JsonNode.Parse(File.ReadAllBytes(path)) is not JsonArray list) throw new FormatException("expected a list");
            foreach (var item in list)
            {
                var name = (string?)item?["name"] ?? throw new FormatException("a guest without a name");
                var root = (string?)item?["root"] ?? throw new FormatException($"guest {name} has no root");
                var group = (string?)item?["share_group"] ?? ShareGroups.Default;
                if (!ShareGroups.IsValid(group)) throw new FormatException($"guest {name} has an invalid sharing group '{group}'");
                var baseImage = (string?)item?["base"] ?? GuestBases.Auto;
                if (!GuestBases.IsValid(baseImage)) throw new FormatException($"guest {name} has an invalid base '{baseImage}'");
                var modeName = (string?)item?["link_mode"] ?? LinkModes.HardLinkName;
                if (!LinkModes.TryParse(modeName, out var linkMode)) throw new FormatException($"guest {name} has an invalid link mode '{modeName}'");
                guests[name] = (root, linkMode, group, baseImage);
            }
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new LocalException($"{path} is damaged ({e.Message}); name the guests with --guest-root NAME=DIR instead", e);
        }
        return guests;
    }

    /// <summary>Every cached blob whose content still has the hash it is named by, with its manifest.</summary>
    private List<(string Sha256, PackageManifest Manifest)> ReadCachedManifests()
    {
        var manifests = new List<(string, PackageManifest)>();
        foreach (var dir in BlobId.ExistingDirsIn(paths.BlobsDir))
            foreach (var blob in Directory.EnumerateFiles(dir))
            {
                var sha = Path.GetFileName(blob);
                if (!BlobId.IsWellFormed(sha) || Path.GetFileName(dir) != BlobId.AlgorithmOf(sha)) continue; // .part, .lock
                if (BlobId.HashOfFile(blob, sha) != sha)
                {
                    OnNote?.Invoke($"cached blob {blob} does not match its name; not used");
                    continue;
                }
                try
                {
                    using var reader = PackageReader.Open(blob);
                    manifests.Add((sha, reader.Manifest));
                }
                catch (PackageFormatException e)
                {
                    OnNote?.Invoke($"cached blob {blob} is not a readable package ({e.Message}); not used");
                }
            }
        return manifests;
    }

    private static List<(InstalledPackage Package, PackageManifest Manifest)> ProveInstalled(
        GuestRoot root, List<(string Sha256, PackageManifest Manifest)> manifests, ContentStore store)
    {
        var hashes = new Dictionary<(ulong, ulong), string>();
        var proven = manifests
            .Where(m => m.Manifest.Files.Any(f => !f.IsDirectory) && m.Manifest.Files.All(f => IsPlaced(root, f, store, hashes)))
            .GroupBy(m => m.Manifest.Name, StringComparer.Ordinal)
            // Two versions whose every entry is in place: the one with more entries says more, then the newer.
            .Select(g => g.OrderByDescending(m => m.Manifest.Files.Count)
                .ThenByDescending(m => NuGetVersion.TryParse(m.Manifest.Version, out var v) ? v : new NuGetVersion(0, 0, 0)).First())
            .ToList();
        var dependedOn = proven.SelectMany(m => m.Manifest.Depends).SelectMany(alternatives => alternatives)
            .Select(DependencyName).ToHashSet(StringComparer.Ordinal);
        return proven.OrderBy(m => m.Manifest.Name, StringComparer.Ordinal)
            .Select(m => (new InstalledPackage(m.Manifest.Name, m.Manifest.Version, m.Sha256, Manual: !dependedOn.Contains(m.Manifest.Name)), m.Manifest))
            .ToList();
    }

    private static string DependencyName(string reference)
    {
        int end = 0;
        while (end < reference.Length && !char.IsWhiteSpace(reference[end]) && reference[end] is not ('[' or '(' or '=' or '<' or '>')) end++;
        return reference[..end];
    }

    private static bool IsPlaced(GuestRoot root, PackageFileEntry entry, ContentStore store, Dictionary<(ulong, ulong), string> hashes)
    {
        if (root.FirstNonDirectoryParent(entry.Path) is not null) return false;
        var status = root.LStat(entry.Path);
        if (status is null) return false;
        if (entry.IsDirectory) return status.Value.IsDirectory || root.IsDirectory(entry.Path);
        if (entry.IsSymlink) return status.Value.IsSymlink && root.ReadLink(entry.Path) == entry.Target;
        if (!status.Value.IsRegularFile) return false;
        if (entry.IsConfig) return true;
        if (status.Value.Size != entry.Size) return false;
        if (entry.Size == 0) return true;
        // The store's own inode is proof enough: store files are immutable and were verified on entry.
        if (Native.LStat(store.PathFor(entry)) is { } stored && stored.IsSameFileAs(status.Value)) return true;
        var key = (status.Value.Device, status.Value.Inode);
        if (!hashes.TryGetValue(key, out var sha))
            hashes[key] = sha = root.Sha256(entry.Path);
        return sha == entry.Sha256;
    }

    private void MoveDamagedAside()
    {
        var aside = $"{paths.Database}.damaged-{time.GetUtcNow().UtcDateTime:yyyyMMddTHHmmssZ}";
        bool moved = false;
        // A WAL left without its database must not be replayed into the new one: it goes aside too.
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(paths.Database + suffix))
            {
                File.Move(paths.Database + suffix, aside + suffix);
                moved = true;
            }
        if (moved) OnNote?.Invoke($"the old state database was kept as {aside}");
    }
}
