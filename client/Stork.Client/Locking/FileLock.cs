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
            if (TryTake(path, what, onWait, ref told) is { } taken) return taken;
            await Task.Delay(RetryDelay(), cancellation);
        }
    }

    /// <summary>
    /// <see cref="AcquireAsync"/> for callers that are synchronous end to end (recovery, the host identity, the
    /// guest-roots file): waiting for a lock blocks them anyway, so the thread sleeps instead of blocking on a task.
    /// </summary>
    public static FileLock Acquire(string path, string what, Action<string>? onWait)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            if (TryTake(path, what, onWait, ref told) is { } taken) return taken;
            Thread.Sleep(RetryDelay());
        }
    }

    // Jittered, so that many waiters do not retry in lock-step.
    private static int RetryDelay() => Random.Shared.Next(20, 120);

    /// <summary>One attempt: the lock, or null while another process holds it (the first miss is reported once).</summary>
    private static FileLock? TryTake(string path, string what, Action<string>? onWait, ref bool told)
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
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
