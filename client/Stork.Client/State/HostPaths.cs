namespace Stork.Client.State;

public sealed record HostPaths(string StateDir, string CacheDir, string ConfigDir)
{
    public string Database => Path.Combine(StateDir, "state.db");
    public string FilesDir => Path.Combine(StateDir, "store", "files");
    public string StagingDir => Path.Combine(StateDir, "staging");
    public string BlobsDir => Path.Combine(CacheDir, "blobs");
}
