using Stork.Client.Fetching;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

public sealed record RefreshResult(long RootVersion, long TimestampVersion, long SnapshotVersion, long TargetsVersion, bool Changed, int Requests, long BytesDownloaded);

/// <summary>
/// The TUF 1.0 client workflow for the top-level roles: root chain, timestamp, snapshot, targets.
/// Clock and network are injected; verification lives in <see cref="TrustedMetadata"/>.
/// </summary>
public sealed class Updater(Uri repositoryUrl, LocalMetadataStore store, IFetcher fetcher, TimeProvider time, UpdaterLimits? limits = null)
{
    private readonly UpdaterLimits _limits = limits ?? UpdaterLimits.Default;
    private readonly Uri _metadataBase = new(EnsureSlash(repositoryUrl), RepositoryLayout.MetadataDir + "/");
    private readonly Uri _targetsBase = new(EnsureSlash(repositoryUrl), RepositoryLayout.TargetsDir + "/");
    private int _requests;
    private long _bytes;

    public Uri TargetUrl(string targetPath, string sha256, bool consistentSnapshot)
        => new(_targetsBase, consistentSnapshot ? RepositoryLayout.HashPrefixedTarget(targetPath, sha256) : targetPath);

    public async Task<(TrustedMetadata Trusted, RefreshResult Result)> RefreshAsync(CancellationToken cancellation)
    {
        _requests = 0;
        _bytes = 0;
        var rootBytes = store.Read(RoleNames.Root)
            ?? throw new LocalException($"no trusted root at {store.PathOf(RoleNames.Root)}; run 'stork-get init --repo URL --root root.json' first");
        // One reference time for the whole update, so expiry decisions cannot drift mid-way.
        var trusted = new TrustedMetadata(rootBytes, time.GetUtcNow());

        await UpdateRootChainAsync(trusted, cancellation);
        trusted.FinishRootUpdate();

        LoadLocal(RoleNames.Timestamp, bytes => trusted.LoadTrustedTimestamp(bytes));
        var previousTimestamp = trusted.Timestamp?.Header.Version;
        var timestampBytes = await FetchMetadataAsync(RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp), _limits.TimestampMaxBytes, cancellation);
        bool changed = trusted.UpdateTimestamp(timestampBytes);
        if (changed) store.Write(RoleNames.Timestamp, timestampBytes);

        var consistent = trusted.Root.ConsistentSnapshot;
        bool snapshotIsLocal = false;
        LoadLocal(RoleNames.Snapshot, bytes => snapshotIsLocal = trusted.TryUseLocalSnapshot(bytes));
        if (!snapshotIsLocal)
        {
            var version = trusted.Timestamp!.Snapshot.Version;
            var name = consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, version) : RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot);
            var bytes = await FetchMetadataAsync(name, trusted.Timestamp.Snapshot.Length ?? _limits.SnapshotMaxBytes, cancellation);
            trusted.UpdateSnapshot(bytes);
            store.Write(RoleNames.Snapshot, bytes);
        }

        bool targetsIsLocal = false;
        LoadLocal(RoleNames.Targets, bytes => targetsIsLocal = trusted.TryUseLocalTargets(bytes));
        if (!targetsIsLocal)
        {
            if (!trusted.Snapshot!.Meta.TryGetValue("targets.json", out var meta))
                throw new MetadataFormatException($"snapshot version {trusted.Snapshot.Header.Version} does not list targets.json");
            var name = consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Targets, meta.Version) : RepositoryLayout.UnversionedMetadata(RoleNames.Targets);
            var bytes = await FetchMetadataAsync(name, meta.Length ?? _limits.TargetsMaxBytes, cancellation);
            trusted.UpdateTargets(bytes);
            store.Write(RoleNames.Targets, bytes);
        }

        var result = new RefreshResult(trusted.Root.Header.Version, trusted.Timestamp!.Header.Version, trusted.Snapshot!.Header.Version,
            trusted.Targets!.Header.Version, changed && previousTimestamp != trusted.Timestamp.Header.Version, _requests, _bytes);
        return (trusted, result);
    }

    /// <summary>
    /// Re-verifies the stored metadata without any network access (for search, show, list).
    /// Fails when it is missing or expired: the user must refresh.
    /// </summary>
    public TrustedMetadata LoadOffline()
    {
        var rootBytes = store.Read(RoleNames.Root)
            ?? throw new LocalException($"no trusted root at {store.PathOf(RoleNames.Root)}; run 'stork-get init --repo URL --root root.json' first");
        var trusted = new TrustedMetadata(rootBytes, time.GetUtcNow());
        var timestamp = store.Read(RoleNames.Timestamp);
        var snapshot = store.Read(RoleNames.Snapshot);
        var targets = store.Read(RoleNames.Targets);
        if (timestamp is null || snapshot is null || targets is null)
            throw new LocalException("no package metadata on this host yet; run 'stork-get refresh'");
        trusted.LoadTrustedTimestamp(timestamp);
        if (!trusted.TryUseLocalSnapshot(snapshot) || !trusted.TryUseLocalTargets(targets))
            throw new LocalException("the stored package metadata is expired or incomplete; run 'stork-get refresh'");
        return trusted;
    }

    private async Task UpdateRootChainAsync(TrustedMetadata trusted, CancellationToken cancellation)
    {
        for (int rotation = 0; rotation < _limits.MaxRootRotations; rotation++)
        {
            var next = trusted.Root.Header.Version + 1;
            byte[] bytes;
            try
            {
                bytes = await FetchMetadataAsync(RepositoryLayout.VersionedMetadata(RoleNames.Root, next), _limits.RootMaxBytes, cancellation);
            }
            catch (NotFoundException)
            {
                return;
            }
            var previous = trusted.Root;
            trusted.UpdateRoot(bytes);
            store.Write(RoleNames.Root, bytes);
            // Fast-forward recovery: new timestamp or snapshot keys invalidate what those keys vouched for.
            if (!SameKeys(previous, trusted.Root, RoleNames.Timestamp) || !SameKeys(previous, trusted.Root, RoleNames.Snapshot))
            {
                store.Delete(RoleNames.Timestamp);
                store.Delete(RoleNames.Snapshot);
            }
        }
    }

    private static bool SameKeys(RootMetadata a, RootMetadata b, string role)
        => a.Role(role).KeyIds.Order(StringComparer.Ordinal).SequenceEqual(b.Role(role).KeyIds.Order(StringComparer.Ordinal));

    /// <summary>A damaged or untrusted local copy is discarded, never trusted.</summary>
    private void LoadLocal(string role, Action<byte[]> load)
    {
        var bytes = store.Read(role);
        if (bytes is null) return;
        try
        {
            load(bytes);
        }
        catch (RepositoryException)
        {
            store.Delete(role);
        }
    }

    private async Task<byte[]> FetchMetadataAsync(string fileName, long maxBytes, CancellationToken cancellation)
    {
        _requests++;
        var bytes = await fetcher.FetchAsync(new Uri(_metadataBase, fileName), maxBytes, cancellation);
        _bytes += bytes.Length;
        return bytes;
    }

    private static Uri EnsureSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
