namespace Stork.Client.State;

/// <summary>Where the host keeps Stork's state (database, file store), cache (blobs) and configuration.</summary>
public sealed record HostPaths(string StateDir, string CacheDir, string ConfigDir)
{
    public static HostPaths Default { get; } = new("/var/lib/stork", "/var/cache/stork", "/etc/stork");

    public string Database => Path.Combine(StateDir, "state.db");
    public string FilesDir => Path.Combine(StateDir, "store", "files");
    public string StagingDir => Path.Combine(StateDir, "staging");
    public string BlobsDir => Path.Combine(CacheDir, "blobs");
    public string LocksDir => Path.Combine(StateDir, "locks");
}
