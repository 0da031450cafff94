using Stork.Client.Fetching;
using Stork.Client.Locking;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Client.Packages;

/// <summary>
/// Package blobs on this host, by <see cref="BlobId"/> (their signed sha256, or sha512 when that is all the target
/// lists): each is downloaded once per host, whatever the number of guests.
/// A per-blob lock file makes concurrent processes wait for the one download instead of repeating it.
/// </summary>
public sealed class BlobCache(string directory, IFetcher fetcher, Action<string>? onWait = null)
{
    private int _downloads;

    // Blobs this process has downloaded or re-hashed already: prefetch and install both ask, one hash is enough.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _verified = new(StringComparer.Ordinal);

    /// <summary>
    /// Fetches every blob not yet cached, at most <paramref name="parallel"/> at a time. The per-blob lock still
    /// makes concurrent processes share one download.
    /// </summary>
    /// <param name="onReady">Told each blob's id and path as soon as it is verified (in completion order).</param>
    public Task PrefetchAsync(IEnumerable<(string Id, TargetFile Target, Uri Url)> blobs, int parallel, CancellationToken cancellation,
        Action<string, string>? onReady = null)
    {
        var distinct = blobs.DistinctBy(b => b.Id).ToList();
        return Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellation },
            async (blob, ct) => onReady?.Invoke(blob.Id, await GetAsync(blob.Id, blob.Target, blob.Url, ct)));
    }
    public int Downloads => _downloads;

    public string PathOf(string id) => BlobId.PathIn(directory, id);

    /// <param name="id">The blob's <see cref="BlobId"/> for <paramref name="target"/>.</param>
    public async Task<string> GetAsync(string id, TargetFile target, Uri url, CancellationToken cancellation)
    {
        var path = PathOf(id);
        var length = target.Length;
        if (_verified.ContainsKey(id) && File.Exists(path)) return path;
        if (IsIntact(path, id, length)) return Verified(id, path);
        using var _ = await FileLock.AcquireAsync(path + ".lock", $"blob {id[..12]}", onWait, cancellation);
        if (IsIntact(path, id, length)) return Verified(id, path);   // another process finished it while we waited
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // One stable name per blob (we hold its lock): an interrupted download leaves the part for the next
        // attempt to resume with a Range request; the fetcher deletes it when its bytes prove wrong.
        var temp = $"{path}.part";
        await fetcher.FetchToFileAsync(url, length, target.Hashes, temp, cancellation);
        Interlocked.Increment(ref _downloads);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, path, overwrite: true);
        return Verified(id, path);
    }

    private string Verified(string id, string path)
    {
        _verified.TryAdd(id, 0);
        return path;
    }

    /// <summary>A cached blob is re-hashed (by the algorithm its id names) before use: disk corruption must not reach a guest.</summary>
    private static bool IsIntact(string path, string id, long length)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return false;
        if (info.Length == length && Hashing.DigestEquals(BlobId.HashOfFile(path, id), id)) return true;
        File.Delete(path);
        return false;
    }
}
