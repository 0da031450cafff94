namespace Stork.Client.Model;

/// <summary>Where the host keeps Stork's state (database, file store), cache (blobs) and configuration.</summary>
public sealed record HostPaths(string StateDir, string CacheDir, string ConfigDir)
{
    public static HostPaths Default { get; } = new("/var/lib/stork", "/var/cache/stork", "/etc/stork");

    public string Database => Path.Combine(StateDir, "state.db");
    public string FilesDir => Path.Combine(StateDir, "store", "files");
    public string BlobsDir => Path.Combine(CacheDir, "blobs");
    public string LocksDir => Path.Combine(StateDir, "locks");

    /// <summary>Store files get FS_IMMUTABLE_FL (chattr +i) on top of being read-only; needs root.</summary>
    public bool ImmutableStore { get; init; }

    /// <summary>Held shared by every change that uses store content, exclusively by gc.</summary>
    public string StoreLock => Path.Combine(LocksDir, "store.lock");
}
