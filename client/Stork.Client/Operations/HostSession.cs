using Stork.Client.Config;
using Stork.Client.Diagnostics;
using Stork.Client.Fetching;
using Stork.Client.Packages;
using Stork.Client.State;
using Stork.Client.Tuf;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>Everything one stork-get invocation works with: paths, config, the updater and the blob cache.</summary>
public sealed partial class HostSession : IDisposable
{
    public HostPaths Paths { get; }
    public ClientConfig Config { get; }
    public LocalMetadataStore Metadata { get; }
    public Updater Updater { get; }
    public BlobCache Blobs { get; }
    private readonly IFetcher _fetcher;
    private readonly bool _ownsFetcher;
    private readonly TimeProvider _time;

    /// <summary>The failover fetcher when stork.json lists mirrors; null with only the repository URL.</summary>
    public MirrorFetcher? MirrorSet { get; }

    /// <summary>The fetcher everything goes through (mirror failover included).</summary>
    public IFetcher Fetcher { get; }

    private HostSession(HostPaths paths, ClientConfig config, IFetcher? fetcher, TimeProvider time, Action<string>? onWait, Action<string>? onMirrorNotice)
    {
        Paths = paths;
        Config = config;
        _time = time;
        _ownsFetcher = fetcher is null;
        _fetcher = fetcher ?? new HttpFetcher(config.Fetch);
        var mirrors = config.OrderedMirrors;
        if (mirrors.Count > 1) MirrorSet = new MirrorFetcher(config.Repository, mirrors, _fetcher, onMirrorNotice);
        Fetcher = (IFetcher?)MirrorSet ?? _fetcher;
        Metadata = new LocalMetadataStore(MetadataDirOf(paths)) { OnWait = onWait };
        Updater = new Updater(config.Repository, Metadata, Fetcher, time, UpdaterLimits.Default with { RootCheckInterval = config.RootCheckInterval });
        Blobs = new BlobCache(paths.BlobsDir, Fetcher, onWait);
    }

    /// <summary>Where blob download progress goes (progress bars); only for the built-in HTTP fetcher.</summary>
    public ITransferProgress? TransferProgress
    {
        get => (_fetcher as HttpFetcher)?.Progress;
        set { if (_fetcher is HttpFetcher http) http.Progress = value; }
    }

    /// <summary>Told the number and total size of the blobs a command is about to download (for the overall progress bar).</summary>
    public Action<int, long>? OnDownloadPlanned { get; set; }

    public PackageTrustPolicy TrustPolicy => new(Config.TrustedRoles);

    public static string MetadataDirOf(HostPaths paths) => Path.Combine(paths.StateDir, "metadata");

    /// <summary>The delegation search result of the last verified snapshot (<see cref="PackageIndexCache"/>).</summary>
    public string PackageIndexFile => Path.Combine(Paths.StateDir, "package-index.db");

    /// <param name="onMirrorNotice">Told once per mirror set aside for serving bad data (the CLI prints it on stderr).</param>
    public static HostSession Open(HostPaths paths, IFetcher? fetcher = null, TimeProvider? time = null, Action<string>? onWait = null, Action<string>? onMirrorNotice = null)
        => new(paths, ClientConfig.Load(paths.ConfigDir), fetcher, time ?? TimeProvider.System, onWait, onMirrorNotice);

    public async Task<(PackageIndex Index, TrustedMetadata Trusted, RefreshResult Refresh)> RefreshAsync(CancellationToken cancellation)
    {
        TrustedMetadata trusted;
        RefreshResult result;
        using (PhaseTimings.Measure("refresh"))
            (trusted, result) = await RefreshOnSomeMirrorAsync(cancellation);
        using var _ = PhaseTimings.Measure("package index");
        return (PackageIndexCache.Load(PackageIndexFile, trusted, TrustPolicy, _time.GetUtcNow()), trusted, result);
    }

    /// <summary>
    /// Like <see cref="RefreshAsync"/> for commands that need the package index and the trusted root but not the
    /// delegated roles themselves (refresh, install, remove): when the verified snapshot is the one the cached index
    /// was built from, the delegated roles are not loaded again (<see cref="PackageIndexCache"/>).
    /// </summary>
    public async Task<(PackageIndex Index, TrustedMetadata Trusted, RefreshResult Refresh)> RefreshIndexAsync(CancellationToken cancellation)
    {
        var (trusted, result) = await RefreshTopLevelAsync(cancellation);
        using var _ = PhaseTimings.Measure("package index");
        if (PackageIndexCache.TryLoadWithoutRoles(PackageIndexFile, trusted, TrustPolicy, _time.GetUtcNow(), () => Updater.LoadStoredDelegations(trusted)) is { } cached)
            return (cached, trusted, result);
        return await BuildIndexAsync(trusted, result, cancellation);
    }

    /// <summary>The TUF refresh without the delegated roles, timed as the "refresh" phase (both index paths start here).</summary>
    private async Task<(TrustedMetadata Trusted, RefreshResult Result)> RefreshTopLevelAsync(CancellationToken cancellation)
    {
        using (PhaseTimings.Measure("refresh"))
            return await RefreshOnSomeMirrorAsync(loadDelegations: false, cancellation);
    }

    /// <summary>
    /// <see cref="RefreshIndexAsync"/> for the refresh command, which reports only the number of packages and the
    /// unreadable entries: with the cached index of this snapshot, not even the index is read.
    /// </summary>
    /// <remarks>When the timestamp names nothing new and the chain the stored summary was computed from still holds
    /// (<see cref="RefreshSummaryFile"/>), that summary is the answer: neither the snapshot and targets nor the index
    /// are read.</remarks>
    public async Task<(PackageIndexCache.Summary Index, RefreshResult Refresh)> RefreshSummaryAsync(CancellationToken cancellation)
    {
        var policy = TrustPolicy;
        // Only with the index cache in place: a host whose cache is gone must load (and fetch) the roles again.
        var stored = File.Exists(PackageIndexFile) ? RefreshSummaryFile.TryRead(RefreshSummaryPath, policy, _time.GetUtcNow()) : null;
        TrustedMetadata trusted;
        RefreshResult result;
        using (PhaseTimings.Measure("refresh"))
        {
            bool unchanged;
            (trusted, result, unchanged) = await RefreshOnSomeMirrorAsync(stored?.Chain, cancellation);
            if (unchanged) return (stored!.Summary, result);
        }
        var chain = Updater.LastChain;
        using var _ = PhaseTimings.Measure("package index");
        if (PackageIndexCache.TrySummaryWithoutRoles(PackageIndexFile, trusted, policy, _time.GetUtcNow()) is not { } summary)
        {
            var (index, _, refresh) = await BuildIndexAsync(trusted, result, cancellation);
            using var built = index;
            result = refresh;
            // Read back as written (with its expiry); a cache that could not be written leaves no summary either.
            summary = PackageIndexCache.TrySummaryWithoutRoles(PackageIndexFile, trusted, policy, _time.GetUtcNow())
                      ?? new PackageIndexCache.Summary(index.NameCount, index.Problems);
        }
        // With mirrors, a build may run the workflow again: the chain is the one the index was built from.
        chain = Updater.LastChain ?? chain;
        if (chain is not null && summary.Expires is not null) RefreshSummaryFile.TryWrite(RefreshSummaryPath, chain, policy, summary);
        else RefreshSummaryFile.TryDelete(RefreshSummaryPath);
        return (summary, result);
    }

    /// <summary>The refresh command's last report and the chain it was computed from (<see cref="RefreshSummaryFile"/>).</summary>
    private string RefreshSummaryPath => PackageIndexCache.SummaryFileOf(PackageIndexFile);

    /// <summary>The index when the cache missed: every delegated role is loaded and verified.</summary>
    private async Task<(PackageIndex Index, TrustedMetadata Trusted, RefreshResult Refresh)> BuildIndexAsync(TrustedMetadata trusted, RefreshResult result, CancellationToken cancellation)
    {
        if (MirrorSet is not null)
        {
            // With mirrors, a role that does not verify must send the whole workflow to the next mirror: run it in full.
            var (index, full, again) = await RefreshAsync(cancellation);
            return (index, full, result with { Requests = result.Requests + again.Requests, BytesDownloaded = result.BytesDownloaded + again.BytesDownloaded });
        }
        // The index of an earlier snapshot, updated for the roles that changed (null when it cannot be).
        if (await PackageIndexUpdate.TryUpdateAsync(PackageIndexFile, trusted, TrustPolicy, _time.GetUtcNow(), Updater.IndexUpdateClient(trusted, cancellation)) is { } updated)
        {
            var (updateRequests, updateBytes) = Updater.MetadataTraffic;
            return (updated, trusted, result with { Requests = updateRequests, BytesDownloaded = updateBytes });
        }
        await Updater.LoadAllDelegationsAsync(trusted, cancellation);
        var (requests, bytes) = Updater.MetadataTraffic;
        return (PackageIndexCache.Load(PackageIndexFile, trusted, TrustPolicy, _time.GetUtcNow()), trusted, result with { Requests = requests, BytesDownloaded = bytes });
    }

    /// <summary>The package index for search and show, without network; delegated roles are loaded only when the cache misses.</summary>
    /// <param name="onWarning">Told once when the stored metadata has expired or expires soon: search and show still
    /// read expired metadata (they install nothing), and say so.</param>
    public PackageIndex LoadIndexOffline(Action<string>? onWarning = null)
    {
        var (trusted, asOf) = Updater.LoadOfflineAllowingExpired(loadDelegations: false);
        if (MetadataExpiry.Warning(trusted, _time.GetUtcNow()) is { } warning) onWarning?.Invoke(warning);
        var now = asOf ?? _time.GetUtcNow();
        if (PackageIndexCache.TryLoadWithoutRoles(PackageIndexFile, trusted, TrustPolicy, now, () => Updater.LoadStoredDelegations(trusted)) is { } cached) return cached;
        Updater.LoadStoredDelegations(trusted);
        return PackageIndexCache.Load(PackageIndexFile, trusted, TrustPolicy, now);
    }

    /// <summary>
    /// The fetcher fails over on transport errors and bad lengths; metadata that does not verify (bad signature,
    /// expired, rollback, ...) is only known here, after the fact. The mirror that served it is set aside and the
    /// whole TUF workflow runs again from the trusted local state, on the next mirror. Everything the failed run
    /// stored was verified, so nothing untrusted is kept.
    /// </summary>
    private Task<(TrustedMetadata, RefreshResult)> RefreshOnSomeMirrorAsync(CancellationToken cancellation)
        => RefreshOnSomeMirrorAsync(loadDelegations: true, cancellation);

    private async Task<(TrustedMetadata, RefreshResult)> RefreshOnSomeMirrorAsync(bool loadDelegations, CancellationToken cancellation)
    {
        var (trusted, result, _) = await RefreshOnSomeMirrorAsync(() => loadDelegations ? Full() : Updater.RefreshTopLevelAsync(null, cancellation));
        return (trusted, result);

        async Task<(TrustedMetadata, RefreshResult, bool)> Full()
        {
            var (trusted, result) = await Updater.RefreshAsync(loadDelegations: true, cancellation);
            return (trusted, result, false);
        }
    }

    /// <summary>The top-level refresh that may find <paramref name="known"/> still holding (<see cref="Updater.RefreshTopLevelAsync"/>).</summary>
    private Task<(TrustedMetadata Trusted, RefreshResult Result, bool Unchanged)> RefreshOnSomeMirrorAsync(VerifiedChain? known, CancellationToken cancellation)
        => RefreshOnSomeMirrorAsync(() => Updater.RefreshTopLevelAsync(known, cancellation));

    private async Task<(TrustedMetadata, RefreshResult, bool)> RefreshOnSomeMirrorAsync(Func<Task<(TrustedMetadata, RefreshResult, bool)>> refresh)
    {
        var failures = new List<string>();
        while (true)
        {
            try
            {
                return await refresh();
            }
            catch (RepositoryException e) when (MirrorSet is { } set && e is not FetchException && e is not NotFoundException
                                                && e is not ContentMismatchException && set.LastServer is { } bad)
            {
                failures.Add($"{bad}: {e.Message}");
                if (!set.SetAsideLastServer(e.Message))
                    throw Retyped(e, $"no mirror served metadata that verifies:\n  {string.Join("\n  ", failures)}");
            }
        }
    }

    private static RepositoryException Retyped(RepositoryException e, string message) => e switch
    {
        UnsignedMetadataException => new UnsignedMetadataException(message),
        ExpiredMetadataException => new ExpiredMetadataException(message),
        RollbackException => new RollbackException(message),
        BadVersionException => new BadVersionException(message),
        _ => new RepositoryException(message, e),
    };

    /// <summary>
    /// The stored metadata for local work that installs nothing new: expired metadata too (see
    /// <see cref="Updater.LoadOfflineAllowingExpired"/>); ExpiredAsOf is set when it has expired.
    /// </summary>
    public (PackageIndex Index, TrustedMetadata Trusted, DateTimeOffset? ExpiredAsOf) LoadOfflineAllowingExpired()
    {
        var (trusted, asOf) = Updater.LoadOfflineAllowingExpired();
        return (PackageIndexCache.Load(PackageIndexFile, trusted, TrustPolicy, asOf ?? _time.GetUtcNow()), trusted, asOf);
    }

    public TimeProvider Time => _time;

    public (PackageIndex Index, TrustedMetadata Trusted) LoadOffline()
    {
        var trusted = Updater.LoadOffline();
        return (PackageIndexCache.Load(PackageIndexFile, trusted, TrustPolicy, _time.GetUtcNow()), trusted);
    }

    public void Dispose()
    {
        if (_ownsFetcher && _fetcher is IDisposable d) d.Dispose();
    }
}
