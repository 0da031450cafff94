using Stork.Client.Config;
using Stork.Client.Fetching;
using Stork.Client.Packages;
using Stork.Client.State;
using Stork.Client.Tuf;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>Everything one stork-get invocation works with: paths, config, the updater and the blob cache.</summary>
public sealed class HostSession : IDisposable
{
    public HostPaths Paths { get; }
    public ClientConfig Config { get; }
    public LocalMetadataStore Metadata { get; }
    public Updater Updater { get; }
    public BlobCache Blobs { get; }
    private readonly IFetcher _fetcher;
    private readonly bool _ownsFetcher;

    private HostSession(HostPaths paths, ClientConfig config, IFetcher? fetcher, TimeProvider time, Action<string>? onWait)
    {
        Paths = paths;
        Config = config;
        _ownsFetcher = fetcher is null;
        _fetcher = fetcher ?? new HttpFetcher(config.Fetch);
        Metadata = new LocalMetadataStore(MetadataDirOf(paths));
        Updater = new Updater(config.Repository, Metadata, _fetcher, time);
        Blobs = new BlobCache(paths.BlobsDir, _fetcher, onWait);
    }

    public PackageTrustPolicy TrustPolicy => new(Config.TrustedRoles);

    public static string MetadataDirOf(HostPaths paths) => Path.Combine(paths.StateDir, "metadata");

    public static HostSession Open(HostPaths paths, IFetcher? fetcher = null, TimeProvider? time = null, Action<string>? onWait = null)
        => new(paths, ClientConfig.Load(paths.ConfigDir), fetcher, time ?? TimeProvider.System, onWait);

    /// <summary>
    /// Pins trust explicitly: the given root.json must be well-formed and signed by its own threshold.
    /// Nothing is fetched here, so there is no trust on first use.
    /// </summary>
    public static void Init(HostPaths paths, string repositoryUrl, string rootFile, TimeProvider time, string? host = null)
    {
        Uri url;
        try { url = ClientConfig.ParseRepositoryUrl(repositoryUrl); }
        catch (FormatException e) { throw new LocalException($"--repo: {e.Message}"); }
        if (!File.Exists(rootFile)) throw new LocalException($"--root: {rootFile} does not exist");
        var bytes = File.ReadAllBytes(rootFile);
        try
        {
            _ = new TrustedMetadata(bytes, time.GetUtcNow());
        }
        catch (RepositoryException e)
        {
            throw new LocalException($"--root: {rootFile} cannot be trusted: {e.Message}");
        }
        var store = new LocalMetadataStore(MetadataDirOf(paths));
        foreach (var role in new[] { RoleNames.Timestamp, RoleNames.Snapshot, RoleNames.Targets }) store.Delete(role);
        store.Write(RoleNames.Root, bytes);
        new ClientConfig(url, Host: host).Save(paths.ConfigDir);
        Directory.CreateDirectory(paths.StateDir);
        Directory.CreateDirectory(paths.CacheDir);
    }

    public async Task<(PackageIndex Index, TrustedMetadata Trusted, RefreshResult Refresh)> RefreshAsync(CancellationToken cancellation)
    {
        var (trusted, result) = await Updater.RefreshAsync(cancellation);
        return (PackageIndex.From(trusted, TrustPolicy), trusted, result);
    }

    public (PackageIndex Index, TrustedMetadata Trusted) LoadOffline()
    {
        var trusted = Updater.LoadOffline();
        return (PackageIndex.From(trusted, TrustPolicy), trusted);
    }

    public void Dispose()
    {
        if (_ownsFetcher && _fetcher is IDisposable d) d.Dispose();
    }
}
