using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

public sealed partial class PackageOperations
{
    /// <summary>
    /// --offline: never contact the repository. The stored signed metadata must still be valid (expired metadata is
    /// never trusted for new installs) and every blob the change needs must be in the host's cache or store.
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>Told once per command (stderr in the CLI) when the metadata in use expires within a day.</summary>
    public Action<string>? OnWarning { get; init; }

    private bool _warned;

    private (PackageIndex Index, TrustedMetadata Trusted) LoadStored(bool forNewInstalls)
    {
        (PackageIndex, TrustedMetadata) loaded;
        try { loaded = session.LoadOffline(); }
        catch (LocalException e) when (forNewInstalls && Offline)
        {
            throw new LocalException($"--offline: {e.Message} (expired metadata is never trusted for new installs)");
        }
        catch (RepositoryException e)
        {
            // Stored metadata that no longer verifies (expired) is a local matter: exit 3 is only for bytes from a mirror.
            throw new LocalException(Offline
                ? $"--offline: the stored metadata cannot be used: {e.Message} (expired metadata is never trusted for new installs)"
                : $"the stored metadata cannot be used: {e.Message}; run 'stork-get refresh'", e);
        }
        if (forNewInstalls && ExpiredRole(loaded.Item2) is { } expired)
            throw new LocalException($"--offline: the stored {expired.Type} metadata expired at {expired.Expires.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; "
                + "expired metadata is never trusted for new installs: run 'stork-get refresh' when the repository can be reached");
        WarnIfExpiringSoon(loaded.Item2);
        return loaded;
    }

    /// <summary>Remove needs nothing new: valid stored metadata is used without the network; otherwise refresh.</summary>
    private async Task<(PackageIndex Index, TrustedMetadata Trusted)> LocalOrRefreshAsync(CancellationToken cancellation)
    {
        if (_refreshed is { } done) return done;
        try { return (_refreshed = LoadStored(forNewInstalls: false)).Value; }
        catch (LocalException) when (!Offline)
        {
            return await RefreshOnceAsync(cancellation);
        }
    }

    /// <summary>
    /// The stored trusted timestamp is kept as the rollback reference even when it has expired (TUF §5.4), so loading
    /// it does not check expiry: for anything new, every top-level role must still be valid now.
    /// </summary>
    private static Stork.Format.Metadata.SignedHeader? ExpiredRole(TrustedMetadata trusted)
        => new[] { trusted.Timestamp?.Header, trusted.Snapshot?.Header, trusted.Targets?.Header, trusted.Root.Header }
            .FirstOrDefault(h => h is not null && h.Expires <= DateTimeOffset.UtcNow);

    private void WarnIfExpiringSoon(TrustedMetadata trusted)
    {
        if (_warned) return;
        // The timestamp lives one day by design (re-signed by the publisher's cron), so it warns only in its last
        // six hours, i.e. once the cron is late; root, snapshot and targets warn in their last day.
        var now = DateTimeOffset.UtcNow;
        var soonest = new[] { (trusted.Timestamp?.Header, TimeSpan.FromHours(6)), (trusted.Snapshot?.Header, TimeSpan.FromDays(1)),
                              (trusted.Targets?.Header, TimeSpan.FromDays(1)), (trusted.Root.Header, TimeSpan.FromDays(1)) }
            .Where(h => h.Item1 is not null && h.Item1.Expires - now <= h.Item2)
            .Select(h => h.Item1!).OrderBy(h => h.Expires).FirstOrDefault();
        if (soonest is null) return;
        var left = soonest.Expires - now;
        _warned = true;
        OnWarning?.Invoke(left <= TimeSpan.Zero
            ? $"warning: the stored {soonest.Type} metadata expired at {soonest.Expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC; nothing new can be installed until 'stork-get refresh' gets newer metadata from the repository"
            : $"warning: the stored {soonest.Type} metadata expires at {soonest.Expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC (in {left.TotalHours:0.#} h); "
              + "after that nothing new can be installed until 'stork-get refresh' gets newer metadata from the repository");
    }

    private void RequireCached(string guest, IReadOnlyList<DesiredPackage> desired)
    {
        var installed = installer.ListInstalled(guest).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
        foreach (var package in desired)
        {
            if (installed.TryGetValue(package.Name, out var version) && version == package.Version) continue;
            if (installer.IsInStore(package) || File.Exists(session.Blobs.PathOf(package.BlobSha256))) continue;
            throw new LocalException($"--offline: {package.Name} {package.Version} is not cached on this host; run without --offline to download it");
        }
    }
}
