using Stork.Client.Fetching;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

public sealed record RefreshResult(long RootVersion, long TimestampVersion, long SnapshotVersion, long TargetsVersion, bool Changed, int Requests, long BytesDownloaded);

/// <summary>
/// The TUF 1.0 client workflow for the top-level roles: root chain, timestamp, snapshot, targets.
/// Clock and network are injected; verification lives in <see cref="TrustedMetadata"/>.
/// Root chain and timestamp (with the skippable root probe) are in <c>Updater.RootChain.cs</c>.
/// </summary>
public sealed partial class Updater
{
    private readonly LocalMetadataStore _store;
    private readonly IFetcher _fetcher;
    private readonly TimeProvider _time;
    private readonly UpdaterLimits _limits;
    private readonly Uri _metadataBase;
    private readonly Uri _targetsBase;

    /// <summary>For a Stork repository: metadata under URL/metadata/, targets under URL/targets/.</summary>
    public Updater(Uri repositoryUrl, LocalMetadataStore store, IFetcher fetcher, TimeProvider time, UpdaterLimits? limits = null)
        : this(new Uri(EnsureSlash(repositoryUrl), RepositoryLayout.MetadataDir + "/"), new Uri(EnsureSlash(repositoryUrl), RepositoryLayout.TargetsDir + "/"), store, fetcher, time, limits)
    {
    }

    /// <summary>For any TUF repository, with separate metadata and target base URLs.</summary>
    public Updater(Uri metadataBase, Uri targetsBase, LocalMetadataStore store, IFetcher fetcher, TimeProvider time, UpdaterLimits? limits = null)
    {
        _store = store;
        _fetcher = fetcher;
        _time = time;
        _limits = limits ?? UpdaterLimits.Default;
        _metadataBase = EnsureSlash(metadataBase);
        _targetsBase = EnsureSlash(targetsBase);
    }
    private int _requests;
    private long _bytes;

    /// <summary>Metadata requests and bytes since the last <see cref="RefreshAsync(bool, CancellationToken)"/> began (delegations loaded later included).</summary>
    public (int Requests, long Bytes) MetadataTraffic => (_requests, _bytes);

    public Uri TargetUrl(string targetPath, string sha256, bool consistentSnapshot)
        => new(_targetsBase, consistentSnapshot ? RepositoryLayout.HashPrefixedTarget(targetPath, sha256) : targetPath);

    public async Task<(TrustedMetadata Trusted, RefreshResult Result)> RefreshAsync(CancellationToken cancellation)
        => await RefreshAsync(loadDelegations: true, cancellation);

    /// <param name="loadDelegations">Also load every delegated role (what the package index needs).</param>
    public async Task<(TrustedMetadata Trusted, RefreshResult Result)> RefreshAsync(bool loadDelegations, CancellationToken cancellation)
    {
        var (trusted, result, _) = await RefreshCoreAsync(loadDelegations, known: null, cancellation);
        return (trusted, result);
    }

    /// <summary>
    /// The chain the last refresh of this updater verified (null until one succeeded): what a later refresh may pass
    /// as <c>known</c> to <see cref="RefreshTopLevelAsync"/>.
    /// </summary>
    public VerifiedChain? LastChain { get; private set; }

    /// <summary>
    /// The refresh of the top-level roles, without the delegated ones. With <paramref name="known"/>, when the
    /// timestamp names nothing new and the chain still holds (<see cref="VerifiedChain"/>: same stored root, snapshot
    /// and targets bytes, the snapshot the timestamp names, nothing expired), the snapshot and targets are not parsed
    /// again: Trusted then holds the root and timestamp only, and Unchanged is true.
    /// </summary>
    public Task<(TrustedMetadata Trusted, RefreshResult Result, bool Unchanged)> RefreshTopLevelAsync(VerifiedChain? known, CancellationToken cancellation)
        => RefreshCoreAsync(loadDelegations: false, known, cancellation);

    private async Task<(TrustedMetadata Trusted, RefreshResult Result, bool Unchanged)> RefreshCoreAsync(bool loadDelegations, VerifiedChain? known, CancellationToken cancellation)
    {
        // One refresh at a time per host: the metadata set changes only under the host-wide metadata lock.
        using var _ = await _store.LockForChangeAsync(cancellation);
        _requests = 0;
        _bytes = 0;
        LastChain = null;
        var rootBytes = _store.Read(RoleNames.Root)
            ?? throw new LocalException($"no trusted root at {_store.PathOf(RoleNames.Root)}; run 'stork-get init --repo URL --root root.json' first");
        // One reference time for the whole update, so expiry decisions cannot drift mid-way.
        var now = _time.GetUtcNow();
        var (trusted, changed) = await UpdateRootAndTimestampAsync(rootBytes, now, cancellation);
        if (!changed && known is not null && ChainHolds(known, trusted, now))
        {
            LastChain = known;
            return (trusted, new RefreshResult(trusted.Root.Header.Version, trusted.Timestamp!.Header.Version, known.SnapshotVersion,
                known.TargetsVersion, changed, _requests, _bytes), true);
        }

        var consistent = trusted.Root.ConsistentSnapshot;
        bool snapshotIsLocal = false;
        byte[]? snapshotBytes = null, targetsBytes = null;
        LoadLocal(RoleNames.Snapshot, bytes => snapshotIsLocal = trusted.TryUseLocalSnapshot(snapshotBytes = bytes));
        if (!snapshotIsLocal)
        {
            var version = trusted.Timestamp!.Snapshot.Version;
            var name = consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, version) : RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot);
            var bytes = await FetchMetadataAsync(name, trusted.Timestamp.Snapshot.Length ?? _limits.SnapshotMaxBytes, cancellation);
            trusted.UpdateSnapshot(bytes);
            _store.Write(RoleNames.Snapshot, snapshotBytes = bytes);
        }

        bool targetsIsLocal = false;
        LoadLocal(RoleNames.Targets, bytes => targetsIsLocal = trusted.TryUseLocalTargets(targetsBytes = bytes));
        if (!targetsIsLocal)
        {
            if (!trusted.Snapshot!.Meta.TryGetValue("targets.json", out var meta))
                throw new MetadataFormatException($"snapshot version {trusted.Snapshot.Header.Version} does not list targets.json");
            var name = consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Targets, meta.Version) : RepositoryLayout.UnversionedMetadata(RoleNames.Targets);
            var bytes = await FetchMetadataAsync(name, meta.Length ?? _limits.TargetsMaxBytes, cancellation);
            trusted.UpdateTargets(bytes);
            _store.Write(RoleNames.Targets, targetsBytes = bytes);
        }

        if (loadDelegations) await LoadAllDelegationsAsync(trusted, cancellation);

        var result = new RefreshResult(trusted.Root.Header.Version, trusted.Timestamp!.Header.Version, trusted.Snapshot!.Header.Version,
            trusted.Targets!.Header.Version, changed, _requests, _bytes);
        // The final root is the stored one (a rotation wrote it before it was trusted further).
        if (_store.Read(RoleNames.Root) is { } finalRoot)
            LastChain = new VerifiedChain(VerifiedChain.Sha256Of(finalRoot), trusted.Snapshot.Header.Version, snapshotBytes!.Length,
                VerifiedChain.Sha256Of(snapshotBytes), trusted.Snapshot.Header.Expires.ToUnixTimeSeconds(), trusted.Targets.Header.Version,
                VerifiedChain.Sha256Of(targetsBytes!), trusted.Targets.Header.Expires.ToUnixTimeSeconds());
        return (trusted, result, false);
    }

    /// <summary>
    /// Whether <paramref name="known"/> still describes what is stored and trusted now (see <see cref="VerifiedChain"/>):
    /// only hashes of the stored files and comparisons, no parse. Any doubt answers false, and the refresh reads and
    /// verifies the stored copies as usual (discarding damaged ones).
    /// </summary>
    private bool ChainHolds(VerifiedChain known, TrustedMetadata trusted, DateTimeOffset now)
    {
        var nowSeconds = now.ToUnixTimeSeconds();
        if (known.SnapshotExpires <= nowSeconds || known.TargetsExpires <= nowSeconds || !known.IsNamedBy(trusted.Timestamp!)) return false;
        return _store.Read(RoleNames.Root) is { } root && VerifiedChain.Sha256Of(root) == known.RootSha256
            && _store.Read(RoleNames.Snapshot) is { } snapshot && snapshot.Length == known.SnapshotLength && VerifiedChain.Sha256Of(snapshot) == known.SnapshotSha256
            && _store.Read(RoleNames.Targets) is { } targets && VerifiedChain.Sha256Of(targets) == known.TargetsSha256;
    }

    /// <summary>
    /// Re-verifies the stored metadata without any network access (for search, show, list).
    /// Fails when it is missing or expired: the user must refresh.
    /// </summary>
    /// <param name="loadDelegations">Also load every stored delegated role (<see cref="LoadStoredDelegations"/> does it later).</param>
    public TrustedMetadata LoadOffline(bool loadDelegations = true)
    {
        using var _ = _store.LockForRead();
        try { return LoadStored(loadDelegations, _time.GetUtcNow()); }
        catch (RepositoryException e)
        {
            // Every byte here is a local copy verified when it was stored: failing now means it is stale (expired)
            // or was damaged on this host, never that a mirror served something untrusted.
            throw new LocalException($"the local copy of the repository metadata in {_store.Directory} is stale or damaged ({e.Message}); run 'stork-get refresh'", e);
        }
    }

    private TrustedMetadata LoadStored(bool loadDelegations, DateTimeOffset now)
    {
        var rootBytes = _store.Read(RoleNames.Root)
            ?? throw new LocalException($"no trusted root at {_store.PathOf(RoleNames.Root)}; run 'stork-get init --repo URL --root root.json' first");
        var trusted = _store.OpenTrustedRoot(rootBytes, now);
        var timestamp = _store.Read(RoleNames.Timestamp);
        var snapshot = _store.Read(RoleNames.Snapshot);
        var targets = _store.Read(RoleNames.Targets);
        if (timestamp is null || snapshot is null || targets is null)
            throw new LocalException("no package metadata on this host yet; run 'stork-get refresh'");
        trusted.LoadTrustedTimestamp(timestamp);
        if (!trusted.TryUseLocalSnapshot(snapshot) || !trusted.TryUseLocalTargets(targets))
            throw new LocalException("the stored package metadata is expired or incomplete; run 'stork-get refresh'");
        if (loadDelegations) LoadStoredDelegations(trusted);
        return trusted;
    }

    /// <summary>A damaged or untrusted local copy is discarded, never trusted.</summary>
    private void LoadLocal(string role, Action<byte[]> load)
    {
        var bytes = _store.Read(role);
        if (bytes is null) return;
        try
        {
            load(bytes);
        }
        catch (RepositoryException)
        {
            _store.Delete(role);
        }
    }

    private async Task<byte[]> FetchMetadataAsync(string fileName, long maxBytes, CancellationToken cancellation)
    {
        _requests++;
        var bytes = await _fetcher.FetchAsync(new Uri(_metadataBase, fileName), maxBytes, cancellation);
        _bytes += bytes.Length;
        return bytes;
    }

    private static Uri EnsureSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
