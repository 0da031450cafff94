using System.Globalization;
using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

public sealed partial class Updater
{
    /// <summary>
    /// The stored metadata for a local operation that installs nothing new (remove, show, a dry run): when it has
    /// expired since it was verified, it is verified again as of one second before the first of its expiry times,
    /// so every check but expiry (signatures, thresholds, versions, hashes, delegations) still runs. The caller
    /// must say that it is expired and must not install anything new from it (TUF: expired metadata is never
    /// trusted for new installs).
    /// </summary>
    /// <returns>The metadata, and when it has expired, the instant it was verified as of.</returns>
    public (TrustedMetadata Trusted, DateTimeOffset? ExpiredAsOf) LoadOfflineAllowingExpired(bool loadDelegations = true)
    {
        using var _ = _store.LockForRead();
        var now = _time.GetUtcNow();
        try { return (LoadStored(loadDelegations, now), null); }
        catch (Exception e) when (e is RepositoryException or LocalException && FirstStoredExpiry() is { } first && first <= now)
        {
            var asOf = first.AddSeconds(-1);
            try { return (LoadStored(loadDelegations, asOf), asOf); }
            catch (RepositoryException again)
            {
                throw new LocalException($"the local copy of the repository metadata in {_store.Directory} is damaged ({again.Message}); run 'stork-get refresh'", again);
            }
        }
        catch (RepositoryException e)
        {
            throw new LocalException($"the local copy of the repository metadata in {_store.Directory} is stale or damaged ({e.Message}); run 'stork-get refresh'", e);
        }
    }

    /// <summary>
    /// The earliest "expires" among the stored role files, read without trusting them: it only picks the instant
    /// they are then verified as of.
    /// </summary>
    private DateTimeOffset? FirstStoredExpiry()
    {
        if (!Directory.Exists(_store.Directory)) return null;
        DateTimeOffset? first = null;
        foreach (var file in Directory.EnumerateFiles(_store.Directory, "*.json"))
        {
            try
            {
                var text = (string?)JsonNode.Parse(File.ReadAllBytes(file))?["signed"]?["expires"];
                if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires)
                    && (first is null || expires < first)) first = expires;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or IOException) { /* verification decides */ }
        }
        return first;
    }
}
