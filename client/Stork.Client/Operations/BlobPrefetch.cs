using System.Threading.Channels;
using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>
/// Downloads, in parallel (stork.json "parallel_downloads"), every blob that a set of guest plans adds or changes,
/// before any guest is touched: a failed download leaves every guest as it was. Each blob is fetched once, and
/// not at all when its content is already in the store (another guest has it).
/// Each blob is extracted (verified, written to store temporaries) as soon as it has arrived, while the others still
/// download, so a slow link and the CPU work overlap; one commit then makes them durable and renames them into
/// the store. Guests change only after every blob is in.
/// </summary>
public static class BlobPrefetch
{
    public static async Task ForPlansAsync(HostSession session, GuestInstaller installer, IEnumerable<(string Guest, IReadOnlyList<DesiredPackage> Desired)> plans,
        PackageIndex index, TrustedMetadata trusted, CancellationToken cancellation)
    {
        var blobs = new Dictionary<string, (string Id, TargetFile Target, Uri Url)>(StringComparer.Ordinal);
        var packages = new Dictionary<string, DesiredPackage>(StringComparer.Ordinal);
        foreach (var (guest, desired) in plans)
        {
            var installed = installer.ListInstalled(guest).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
            foreach (var package in desired)
            {
                if (installed.TryGetValue(package.Name, out var version) && version == package.Version) continue;
                if (blobs.ContainsKey(package.BlobSha256) || installer.IsInStore(package)) continue; // extracted already: no blob needed
                var entry = index.Find(package.Name, package.Version)!;
                var id = entry.BlobId;
                blobs.TryAdd(id, (id, entry.Target, session.Updater.TargetUrl(entry.TargetPath, id, trusted.Root.ConsistentSnapshot)));
                packages[id] = package;
            }
        }
        if (blobs.Count == 0) return;
        var notCached = blobs.Values.Where(b => !File.Exists(session.Blobs.PathOf(b.Id))).ToList();
        session.OnDownloadPlanned?.Invoke(notCached.Count, notCached.Sum(b => b.Target.Length));

        // One extractor at a time: the installer and its database connection are single-threaded.
        using var batch = installer.BeginAhead();
        var arrived = Channel.CreateUnbounded<(DesiredPackage Package, string Path)>(new UnboundedChannelOptions { SingleReader = true });
        var extractor = Task.Run(async () =>
        {
            await foreach (var (package, path) in arrived.Reader.ReadAllAsync(cancellation))
                batch.Extract(package, path);
        }, cancellation);
        try
        {
            await session.Blobs.PrefetchAsync(blobs.Values.ToList(), session.Config.ParallelDownloads, cancellation,
                (sha, path) => arrived.Writer.TryWrite((packages[sha], path)));
        }
        catch
        {
            arrived.Writer.TryComplete();
            try { await extractor; } catch { /* the download failure is the one to report */ }
            throw;
        }
        arrived.Writer.TryComplete();
        await extractor;
        batch.Commit(); // one durability step for every blob of the command
    }
}
