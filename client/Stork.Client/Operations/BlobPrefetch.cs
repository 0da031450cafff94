using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>
/// Downloads, in parallel (stork.json "parallel_downloads"), every blob that a set of guest plans adds or changes,
/// before any guest is touched: a failed download leaves every guest as it was. Each blob is fetched once, and
/// not at all when its content is already in the store (another guest has it).
/// </summary>
public static class BlobPrefetch
{
    public static async Task ForPlansAsync(HostSession session, GuestInstaller installer, IEnumerable<(string Guest, IReadOnlyList<DesiredPackage> Desired)> plans,
        PackageIndex index, TrustedMetadata trusted, CancellationToken cancellation)
    {
        var blobs = new Dictionary<string, (string, long, Uri)>(StringComparer.Ordinal);
        foreach (var (guest, desired) in plans)
        {
            var installed = installer.ListInstalled(guest).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
            foreach (var package in desired)
            {
                if (installed.TryGetValue(package.Name, out var version) && version == package.Version) continue;
                if (blobs.ContainsKey(package.BlobSha256) || installer.IsInStore(package)) continue; // extracted already: no blob needed
                var entry = index.Find(package.Name, package.Version)!;
                blobs.TryAdd(entry.Target.Sha256, (entry.Target.Sha256, entry.Target.Length,
                    session.Updater.TargetUrl(entry.TargetPath, entry.Target.Sha256, trusted.Root.ConsistentSnapshot)));
            }
        }
        if (blobs.Count > 0) await session.Blobs.PrefetchAsync(blobs.Values.ToList(), session.Config.ParallelDownloads, cancellation);
    }
}
