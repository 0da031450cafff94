using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>The one warning a command gives when the metadata it uses has expired or expires soon.</summary>
public static class MetadataExpiry
{
    /// <summary>The first top-level role that has expired at <paramref name="now"/>, if any.</summary>
    public static SignedHeader? ExpiredRole(TrustedMetadata trusted, DateTimeOffset now)
        => new[] { trusted.Timestamp?.Header, trusted.Snapshot?.Header, trusted.Targets?.Header, trusted.Root.Header }
            .Where(h => h is not null && h.Expires <= now).OrderBy(h => h!.Expires).FirstOrDefault();

    /// <summary>
    /// The warning for metadata that has expired or will soon, or null. The timestamp lives one day by design
    /// (re-signed by the publisher's cron), so it warns only in its last six hours, i.e. once the cron is late;
    /// root, snapshot and targets warn in their last day.
    /// </summary>
    public static string? Warning(TrustedMetadata trusted, DateTimeOffset now)
    {
        if (ExpiredRole(trusted, now) is { } expired)
            return $"warning: the stored {expired.Type} metadata expired at {expired.Expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC and the repository gave no newer; "
                   + "using it for local work only: nothing new can be installed until 'stork-get refresh' gets newer metadata from the repository";
        var soonest = new[] { (trusted.Timestamp?.Header, TimeSpan.FromHours(6)), (trusted.Snapshot?.Header, TimeSpan.FromDays(1)),
                              (trusted.Targets?.Header, TimeSpan.FromDays(1)), (trusted.Root.Header, TimeSpan.FromDays(1)) }
            .Where(h => h.Item1 is not null && h.Item1.Expires - now <= h.Item2)
            .Select(h => h.Item1!).OrderBy(h => h.Expires).FirstOrDefault();
        if (soonest is null) return null;
        var left = soonest.Expires - now;
        return $"warning: the stored {soonest.Type} metadata expires at {soonest.Expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC (in {left.TotalHours:0.#} h); "
               + "after that nothing new can be installed until 'stork-get refresh' gets newer metadata from the repository";
    }
}
