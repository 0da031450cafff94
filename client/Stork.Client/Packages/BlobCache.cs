using Stork.Client.Fetching;
using Stork.Client.Locking;
using Stork.Format.Crypto;

namespace Stork.Client.Packages;

/// <summary>
/// Package blobs on this host, by sha256: each is downloaded once per host, whatever the number of guests.
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
    /// <param name="onReady">Told each blob's sha256 and path as soon as it is verified (in completion order).</param>
    public Task PrefetchAsync(IEnumerable<(string Sha256, long Length, Uri Url)> blobs, int parallel, CancellationToken cancellation,
        Action<string, string>? onReady = null)
    {
        var distinct = blobs.DistinctBy(b => b.Sha256).ToList();
        return Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancellation },
            async (blob, ct) => onReady?.Invoke(blob.Sha256, await GetAsync(blob.Sha256, blob.Length, blob.Url, ct)));
    }
    public int Downloads => _downloads;

    public string PathOf(string sha256) => Path.Combine(directory, "sha256", sha256);

    public async Task<string> GetAsync(string sha256, long length, Uri url, CancellationToken cancellation)
    {
        var path = PathOf(sha256);
        if (_verified.ContainsKey(sha256) && File.Exists(path)) return path;
        if (IsIntact(path, sha256, length)) return Verified(sha256, path);
        using var _ = await FileLock.AcquireAsync(path + ".lock", $"blob {sha256[..12]}", onWait, cancellation);
        if (IsIntact(path, sha256, length)) return Verified(sha256, path);   // another process finished it while we waited
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // One stable name per blob (we hold its lock): an interrupted download leaves the part for the next
        // attempt to resume with a Range request; the fetcher deletes it when its bytes prove wrong.
        var temp = $"{path}.part";
        await fetcher.FetchToFileAsync(url, length, sha256, temp, cancellation);
        Interlocked.Increment(ref _downloads);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, path, overwrite: true);
        return Verified(sha256, path);
    }

    private string Verified(string sha256, string path)
    {
        _verified.TryAdd(sha256, 0);
        return path;
    }

    /// <summary>A cached blob is re-hashed before use: disk corruption must not reach a guest.</summary>
    private static bool IsIntact(string path, string sha256, long length)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return false;
        if (info.Length == length && Hashing.DigestEquals(Hashing.Sha256HexOfFile(path), sha256)) return true;
        File.Delete(path);
        return false;
    }
}
