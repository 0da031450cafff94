using Stork.Client.State;

using Stork.Client.Guests;

namespace Stork.Client.Planning;

/// <summary>The difference between what a guest has and the full set it should have.</summary>
public sealed record PackageChanges(
    IReadOnlyList<DesiredPackage> Added,
    IReadOnlyList<(InstalledPackage Old, DesiredPackage New)> Upgraded,
    IReadOnlyList<InstalledPackage> Removed,
    IReadOnlyList<(InstalledPackage Old, DesiredPackage New)> Unchanged)
{
    /// <summary>Packages whose blobs must be fetched and whose files (re)enter the guest.</summary>
    public IEnumerable<DesiredPackage> ToFetch => Added.Concat(Upgraded.Select(u => u.New)).OrderBy(p => p.Name, StringComparer.Ordinal);

    /// <summary>Names whose currently installed files go away (removed, or replaced by another version).</summary>
    public IReadOnlySet<string> Replaced { get; } =
        Removed.Select(p => p.Name).Concat(Upgraded.Select(u => u.Old.Name)).ToHashSet(StringComparer.Ordinal);

    public static PackageChanges Create(IReadOnlyList<InstalledPackage> installed, IReadOnlyList<DesiredPackage> desired)
    {
        var current = installed.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var wanted = desired.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var added = new List<DesiredPackage>();
        var upgraded = new List<(InstalledPackage, DesiredPackage)>();
        var unchanged = new List<(InstalledPackage, DesiredPackage)>();
        foreach (var package in desired.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(package.Name, out var old)) added.Add(package);
            // A different blob for the same version is a rebuild: reinstall it like an upgrade.
            else if (old.Version != package.Version || old.BlobSha256 != package.BlobSha256) upgraded.Add((old, package));
            else unchanged.Add((old, package));
        }
        var removed = installed.Where(p => !wanted.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        return new PackageChanges(added, upgraded, removed, unchanged);
    }
}
