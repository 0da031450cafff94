namespace Stork.Client.Locking;

/// <summary>
/// An exclusive advisory lock held through a lock file (.NET takes flock() for FileShare.None on Unix),
/// so that several stork-get processes on one host coordinate. A waiter says so instead of hanging silently.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, string what, Action<string>? onWait, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (Exception e) when (LockFileFailure.IsLocal(e))
            {
                throw LockFileFailure.Wrap(e, path, what);
            }
            catch (IOException)
            {
                if (!told)
                {
                    onWait?.Invoke($"waiting for another stork-get process that holds the lock on {what} ({path})");
                    told = true;
                }
                // Jittered, so that many waiters do not retry in lock-step.
                await Task.Delay(Random.Shared.Next(20, 120), cancellation);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
