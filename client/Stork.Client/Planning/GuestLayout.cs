using Stork.Client.State;
using Stork.Format.Packages;

namespace Stork.Client.Planning;

/// <summary>One path of the guest's target layout: what should be there and which packages claim it.</summary>
internal sealed record LayoutEntry(PackageFileEntry Entry, IReadOnlyList<string> Packages, bool Changed);

/// <summary>
/// The guest's target layout after the apply: entries of unchanged packages (from the database) plus entries of
/// new manifests. Directories may be shared; any other path claimed twice is a conflict.
/// </summary>
internal sealed class GuestLayout
{
    public SortedDictionary<string, LayoutEntry> Entries { get; } = new(PathOrder.Instance);

    public static GuestLayout Build(string guest, PackageChanges plan, IReadOnlyList<OwnedFile> owned, IReadOnlyDictionary<string, PackageManifest> manifests)
    {
        var layout = new GuestLayout();
        var kept = plan.Unchanged.Select(u => u.Old.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in owned.Where(f => kept.Contains(f.Package)))
            layout.Claim(guest, file.Package, file.ToEntry(), changed: false);
        foreach (var (name, manifest) in manifests.OrderBy(m => m.Key, StringComparer.Ordinal))
            foreach (var entry in manifest.Files)
                layout.Claim(guest, name, entry, changed: true);
        return layout;
    }

    private void Claim(string guest, string package, PackageFileEntry entry, bool changed)
    {
        if (!Entries.TryGetValue(entry.Path, out var existing))
        {
            Entries[entry.Path] = new LayoutEntry(entry, [package], changed);
            return;
        }
        if (existing.Entry.IsDirectory && entry.IsDirectory)
        {
            Entries[entry.Path] = existing with { Packages = [.. existing.Packages, package], Changed = existing.Changed || changed };
            return;
        }
        throw new GuestConflictException(guest, entry.Path,
            $"guest '{guest}': '{entry.Path}' is claimed by both {string.Join(", ", existing.Packages)} and {package}");
    }
}
