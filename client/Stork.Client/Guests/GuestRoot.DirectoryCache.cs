using Microsoft.Win32.SafeHandles;

namespace Stork.Client.Guests;

public sealed partial class GuestRoot
{
    // Each directory resolved during a read-only pass (see CacheDirectories), by its guest-relative path: the descriptor
    // or the errno. One openat2 per directory instead of several per file (adopt checks and plans ~6,000 files in a
    // few hundred directories).
    private Dictionary<string, (SafeFileHandle? Handle, int Errno)>? _directoryCache;

    // Enough for a Debian base image's directories; past it lookups resolve afresh (descriptors are a limited resource).
    internal const int DirectoryCacheLimit = 2048;

    /// <summary>
    /// Until disposed, each guest directory is resolved once and its descriptor reused: for read-only passes (adopt's
    /// check, the planner) that take the guest as it was when first looked at. Nothing may change the guest meanwhile
    /// (every changing method throws), so staging and apply always resolve afresh: a directory the guest swaps after
    /// the pass is met as before (RESOLVE_IN_ROOT, O_NOFOLLOW, exclusive creation). A descriptor refers to a directory
    /// that was inside the root when resolved; the guest cannot move it out of its root.
    /// </summary>
    public DirectoryCacheScope CacheDirectories()
    {
        if (_directoryCache is not null) return new DirectoryCacheScope(null); // nested: the outer scope owns it
        _directoryCache = new Dictionary<string, (SafeFileHandle?, int)>(StringComparer.Ordinal);
        return new DirectoryCacheScope(this);
    }

    /// <summary>Closes the cached descriptors; a no-op for a nested scope.</summary>
    public readonly struct DirectoryCacheScope : IDisposable
    {
        private readonly GuestRoot? _owner;
        internal DirectoryCacheScope(GuestRoot? owner) => _owner = owner;

        public void Dispose()
        {
            if (_owner?._directoryCache is not { } cache) return;
            _owner._directoryCache = null;
            foreach (var (handle, _) in cache.Values) handle?.Dispose();
        }
    }

    /// <summary>Whether a read-only pass holds directories resolved earlier (tests).</summary>
    internal bool CachingDirectories => _directoryCache is not null;

    private bool TryCachedDirectory(string relativeDir, out SafeFileHandle? dir, out int errno)
    {
        if (_directoryCache is { } cache && cache.TryGetValue(relativeDir, out var known))
        {
            errno = known.Errno;
            dir = known.Handle is null ? null : Borrowed(known.Handle);
            return true;
        }
        dir = null;
        errno = 0;
        return false;
    }

    // Keeps what was resolved; the caller gets a descriptor it may dispose without closing the cached one.
    private int RememberDirectory(string relativeDir, int errno, ref SafeFileHandle? dir)
    {
        if (_directoryCache is not { } cache || cache.Count >= DirectoryCacheLimit) return errno;
        cache[relativeDir] = (errno == 0 ? dir : null, errno);
        if (errno == 0) dir = Borrowed(dir!);
        return errno;
    }

    private static SafeFileHandle Borrowed(SafeFileHandle handle) => new(handle.DangerousGetHandle(), ownsHandle: false);

    // Every method that changes the guest calls this first: a cached pass must never act on what it cached.
    private void NotWhileCaching()
    {
        if (_directoryCache is not null)
            throw new InvalidOperationException($"guest '{Name}': a change was attempted during a read-only pass over cached directories");
    }
}
