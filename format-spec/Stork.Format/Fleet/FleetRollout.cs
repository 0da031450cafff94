using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Stork.Format.Crypto;

namespace Stork.Format.Fleet;

/// <summary>
/// Staged rollouts (FLEET.md): a host takes part in an action with "rollout": P when the stable bucket of its name,
/// a number from 0 to 9999 derived from SHA-256, is below P × 100. The bucket depends on the host name only, so
/// raising P widens the same set of hosts, and the hosts in a 10% rollout are the first 10% of every rollout.
/// </summary>
public static class FleetRollout
{
    public const int Buckets = 10_000;

    /// <summary>The host's bucket: the first 8 bytes of SHA-256("stork-rollout:" + host), big-endian, modulo 10000.</summary>
    public static int BucketOf(string host)
    {
        Span<byte> hash = stackalloc byte[32];
        Hashing.Sha256(Encoding.UTF8.GetBytes("stork-rollout:" + host), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % Buckets);
    }

    /// <summary>Whether <paramref name="host"/> takes part in <paramref name="action"/> at <paramref name="now"/>.</summary>
    public static bool Includes(FleetAction action, string host, DateTimeOffset now)
    {
        if (action.NotBefore is { } start && now < start) return false;
        return action.Rollout is not { } percent || BucketOf(host) < percent * (Buckets / 100);
    }

    /// <summary>Times are RFC 3339 in UTC with a Z, e.g. 2026-12-01T08:00:00Z.</summary>
    public static DateTimeOffset ParseTime(string text, string what)
    {
        if (!text.EndsWith('Z') || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            throw new FormatException($"{what}: '{text}' is not a UTC time such as 2026-12-01T08:00:00Z");
        return time;
    }

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
