using Stork.Client.Fetching;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

/// <summary>
/// Steps 1 and 2 of the workflow (SPEC.md §3.3): the root chain and the timestamp. Within the root check interval a
/// refresh that finds nothing new skips the <c>N+1.root.json</c> probe; every other refresh walks the chain first.
/// </summary>
public sealed partial class Updater
{
    /// <returns>Root and timestamp loaded, root finished; whether the timestamp is new.</returns>
    private async Task<(TrustedMetadata Trusted, bool Changed)> UpdateRootAndTimestampAsync(byte[] rootBytes, DateTimeOffset now, CancellationToken cancellation)
    {
        // A damaged local root fails here, before any request.
        var current = _store.OpenTrustedRoot(rootBytes, now);
        byte[]? timestampBytes = null;
        if (RootProbeMayBeSkipped(current, now))
        {
            timestampBytes = await FetchTimestampAsync(cancellation);
            if (NamesNothingNew(current, timestampBytes)) return (current, false);
        }

        // The shortcut attempt may have loaded a timestamp; the root must be final before that, so start again.
        var trusted = await UpdateRootChainAsync(rootBytes, now, cancellation);
        LoadLocal(RoleNames.Timestamp, bytes => trusted.LoadTrustedTimestamp(bytes));
        // Bytes fetched before the root update and verified under the newest root are as good as bytes fetched now.
        timestampBytes ??= await FetchTimestampAsync(cancellation);
        bool changed = trusted.UpdateTimestamp(timestampBytes);
        if (changed) _store.Write(RoleNames.Timestamp, timestampBytes);
        return (trusted, changed);
    }

    /// <summary>
    /// Only a still valid root, checked against the repository less than the interval ago, with a stored timestamp
    /// to compare with, may wait. Otherwise the probe is certain and runs first, in strict TUF order.
    /// </summary>
    private bool RootProbeMayBeSkipped(TrustedMetadata current, DateTimeOffset now)
    {
        if (_limits.RootCheckInterval <= TimeSpan.Zero || current.RootExpired) return false;
        if (_store.LastRootCheck() is not { } checkedAt) return false;
        // A record from the future (clock set back, a damaged file) proves nothing.
        if (checkedAt > now || now - checkedAt >= _limits.RootCheckInterval) return false;
        return _store.Read(RoleNames.Timestamp) is not null;
    }

    /// <summary>
    /// True when the fetched timestamp verifies under the current root and has the stored timestamp's version.
    /// Every failure here (a signature from a rotated-in key, a rollback, an expiry, a damaged stored copy) is
    /// decided by the full workflow after the root probe, which raises the typed error if it still fails.
    /// </summary>
    private bool NamesNothingNew(TrustedMetadata current, byte[] timestampBytes)
    {
        if (_store.Read(RoleNames.Timestamp) is not { } stored) return false;
        try
        {
            current.FinishRootUpdate();
            current.LoadTrustedTimestamp(stored);
            return !current.UpdateTimestamp(timestampBytes);
        }
        catch (RepositoryException)
        {
            return false;
        }
    }

    /// <summary>Walks N+1.root.json, N+2, ... until a 404, then checks root expiry; records when that succeeded.</summary>
    private async Task<TrustedMetadata> UpdateRootChainAsync(byte[] rootBytes, DateTimeOffset now, CancellationToken cancellation)
    {
        var trusted = new TrustedMetadata(rootBytes, now);
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
                break;
            }
            var previous = trusted.Root;
            trusted.UpdateRoot(bytes);
            _store.Write(RoleNames.Root, bytes);
            // Fast-forward recovery: new timestamp or snapshot keys invalidate what those keys vouched for.
            if (!SameKeys(previous, trusted.Root, RoleNames.Timestamp) || !SameKeys(previous, trusted.Root, RoleNames.Snapshot))
            {
                _store.Delete(RoleNames.Timestamp);
                _store.Delete(RoleNames.Snapshot);
            }
        }
        trusted.FinishRootUpdate();
        // With no interval the record is never read; strict clients keep their metadata directory to the role files.
        if (_limits.RootCheckInterval > TimeSpan.Zero) _store.RecordRootCheck(now);
        return trusted;
    }

    private Task<byte[]> FetchTimestampAsync(CancellationToken cancellation)
        => FetchMetadataAsync(RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp), _limits.TimestampMaxBytes, cancellation);

    private static bool SameKeys(RootMetadata a, RootMetadata b, string role)
        => a.Role(role).KeyIds.Order(StringComparer.Ordinal).SequenceEqual(b.Role(role).KeyIds.Order(StringComparer.Ordinal));
}
