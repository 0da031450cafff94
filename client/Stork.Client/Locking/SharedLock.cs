using Microsoft.Win32.SafeHandles;
using Stork.Client.Store;

namespace Stork.Client.Locking;

/// <summary>
/// A reader/writer lock across processes through flock(2) on a lock file: many holders of the shared side
/// (installs, which pin the store content they use) or one of the exclusive side (gc). A waiter says so once.
/// </summary>
public sealed class SharedLock : IDisposable
{
    private const int RetryMilliseconds = 50;

    private readonly SafeFileHandle _handle;

    private SharedLock(SafeFileHandle handle) => _handle = handle;

    public static async Task<SharedLock> AcquireAsync(string path, bool exclusive, string what, Action<string>? onWait, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            if (TryTake(path, exclusive, what, onWait, ref told) is { } taken) return taken;
            await Task.Delay(RetryMilliseconds, cancellation);
        }
    }

    /// <summary>
    /// <see cref="AcquireAsync"/> for callers that are synchronous end to end: waiting for the lock blocks them
    /// anyway, so the thread sleeps between attempts instead of blocking on a task.
    /// </summary>
    public static SharedLock Acquire(string path, bool exclusive, string what, Action<string>? onWait)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            if (TryTake(path, exclusive, what, onWait, ref told) is { } taken) return taken;
            Thread.Sleep(RetryMilliseconds);
        }
    }

    /// <summary>One attempt: the lock, or null while another process holds it (the first miss is reported once).</summary>
    private static SharedLock? TryTake(string path, bool exclusive, string what, Action<string>? onWait, ref bool told)
    {
        SafeFileHandle? handle = null;
        try
        {
            // .NET itself takes a non-blocking LOCK_SH on open, which fails while someone holds LOCK_EX.
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (NativeFs.TryFlock(handle, exclusive)) return new SharedLock(handle);
        }
        catch (IOException e) when (handle is null && !LockFileFailure.IsLocal(e)) { }
        catch (Exception e) when (LockFileFailure.IsLocal(e))
        {
            handle?.Dispose();
            throw LockFileFailure.Wrap(e, path, what);
        }
        catch
        {
            handle?.Dispose();
            throw;
        }
        handle?.Dispose();
        if (!told)
        {
            onWait?.Invoke($"waiting for another stork-get process that holds the {what} lock ({path})");
            told = true;
        }
        return null;
    }

    public void Dispose() => _handle.Dispose();
}
