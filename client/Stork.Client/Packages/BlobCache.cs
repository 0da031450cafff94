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
    public int Downloads => _downloads;

    public string PathOf(string sha256) => Path.Combine(directory, "sha256", sha256);

    public async Task<string> GetAsync(string sha256, long length, Uri url, CancellationToken cancellation)
    {
        var path = PathOf(sha256);
        if (IsIntact(path, sha256, length)) return path;
        using var _ = await FileLock.AcquireAsync(path + ".lock", $"blob {sha256[..12]}", onWait, cancellation);
        if (IsIntact(path, sha256, length)) return path;   // another process finished it while we waited
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.part";
        try
        {
            await fetcher.FetchToFileAsync(url, length, sha256, temp, cancellation);
            Interlocked.Increment(ref _downloads);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
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
