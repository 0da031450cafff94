using Stork.Client.Guests;
using Stork.Client.Packages;

namespace Stork.Client.Operations;

/// <summary>
/// What a plan costs, computed from signed metadata only (so also on a cold cache): bytes to download (blobs neither
/// cached nor already in the store) and the change of the guest's installed size (custom.stork_installed_size).
/// </summary>
/// <param name="DiskChange">Null when a package's signed entry carries no installed size (published by an older tool).</param>
public sealed record ChangeSizes(long DownloadBytes, int DownloadBlobs, long? DiskChange);

public sealed partial class PackageOperations
{
    private ChangeSizes SizesOf(string guest, IReadOnlyList<DesiredPackage> desired, PackageIndex index)
    {
        var installed = installer.ListInstalled(guest);
        var before = installed.ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
        var after = desired.ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
        long download = 0; int blobs = 0; long? disk = 0;
        foreach (var package in desired)
        {
            if (before.TryGetValue(package.Name, out var v) && v == package.Version) continue;
            if (!installer.IsInStore(package) && !File.Exists(session.Blobs.PathOf(package.BlobSha256))) { download += package.BlobLength; blobs++; }
            disk += InstalledSize(index, package.Name, package.Version);
        }
        foreach (var package in installed)
            if (!after.TryGetValue(package.Name, out var v) || v != package.Version)
                disk -= InstalledSize(index, package.Name, package.Version);
        return new ChangeSizes(download, blobs, disk);
    }

    private static long? InstalledSize(PackageIndex index, string name, string version)
        => index.Find(name, version)?.Target.Custom?["stork_installed_size"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var size) ? size : null;
}
