using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

public sealed partial class PackageOperations
{
    /// <summary>
    /// --offline: never contact the repository. Every blob the change needs must be in the host's cache or store,
    /// and the stored signed metadata must still be valid for anything new (expired metadata is never trusted for
    /// new installs); a dry run, or a change that installs nothing new, works from expired metadata too.
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>Told once per command (stderr in the CLI) when the metadata in use has expired or expires within a day.</summary>
    public Action<string>? OnWarning { get; init; }

    private bool _warned;

    // Set when the metadata in use has expired (loaded for local work only): nothing new may be installed from it.
    private bool _expired;

    /// <summary>The stored metadata, without the network; expired metadata too (said once), for local work only.</summary>
    private (PackageIndex Index, TrustedMetadata Trusted) LoadStored()
    {
        var (index, trusted, expiredAsOf) = session.LoadOfflineAllowingExpired();
        _expired = expiredAsOf is not null;
        WarnIfExpiringSoon(trusted);
        return (index, trusted);
    }

    /// <summary>
    /// Remove needs nothing new: valid stored metadata is used without the network. Otherwise the repository is
    /// asked, and when it cannot be reached the expired stored metadata still serves (a dead publisher cron or a
    /// down repository must not stop a host from removing a package).
    /// </summary>
    private async Task<(PackageIndex Index, TrustedMetadata Trusted)> LocalOrRefreshAsync(CancellationToken cancellation)
    {
        if (_refreshed is { } done) return done;
        (PackageIndex, TrustedMetadata)? stored = null;
        try
        {
            stored = LoadStored();
            if (!_expired || Offline) return (_refreshed = stored).Value;
        }
        catch (LocalException) when (!Offline) { /* nothing usable stored: the repository must answer */ }
        return await RefreshOnceAsync(fallBack: stored, useStoredWhenUnreachable: true, cancellation);
    }

    /// <summary>Refuses to install from expired metadata anything the guest does not already have (same version and blob).</summary>
    private void RequireNothingNewFromExpired(string guest, IReadOnlyList<DesiredPackage> desired, TrustedMetadata trusted)
    {
        if (!_expired) return;
        var installed = installer.ListInstalled(guest).Select(p => (p.Name, p.Version, p.BlobSha256)).ToHashSet();
        var added = desired.FirstOrDefault(p => !installed.Contains((p.Name, p.Version, p.BlobSha256)));
        if (added is null) return;
        var role = MetadataExpiry.ExpiredRole(trusted, session.Time.GetUtcNow());
        var when = role is null ? "" : $" (the {role.Type} expired at {role.Expires.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)";
        throw new LocalException($"{(Offline ? "--offline: " : "")}{added.Name} {added.Version} would come from expired metadata{when}; "
            + "expired metadata is never trusted for new installs: run 'stork-get refresh' when the repository can be reached");
    }

    private void WarnIfExpiringSoon(TrustedMetadata trusted)
    {
        if (_warned || MetadataExpiry.Warning(trusted, session.Time.GetUtcNow()) is not { } warning) return;
        _warned = true;
        OnWarning?.Invoke(warning);
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
