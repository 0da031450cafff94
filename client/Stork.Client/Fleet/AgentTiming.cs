using System.Buffers.Binary;
using System.Text;
using Stork.Format.Crypto;

namespace Stork.Client.Fleet;

/// <summary>When the agent's rounds run: a stable per-host splay, and capped exponential backoff with jitter after failures.</summary>
public static class AgentTiming
{
    /// <summary>
    /// This host's offset within the splay: a stable fraction of it from SHA-256("stork-splay:" + host), so a thousand
    /// hosts started together spread their rounds over the whole splay, and each host keeps its place across restarts.
    /// </summary>
    public static TimeSpan SplayOffset(string host, TimeSpan splay)
    {
        if (splay <= TimeSpan.Zero) return TimeSpan.Zero;
        Span<byte> hash = stackalloc byte[32];
        Hashing.Sha256(Encoding.UTF8.GetBytes("stork-splay:" + host), hash);
        double fraction = (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / (double)(1UL << 53);
        return TimeSpan.FromTicks((long)(splay.Ticks * fraction));
    }

    /// <summary>
    /// The wait before retry number <paramref name="failures"/> (1 after the first failure): min × 2^(failures−1),
    /// capped at max, then "equal jitter": a uniformly random point in the upper half of that, so hosts that failed
    /// together do not retry together, and no wait is shorter than half the nominal one.
    /// </summary>
    public static TimeSpan Backoff(int failures, TimeSpan min, TimeSpan max, Random random)
    {
        if (failures < 1) return TimeSpan.Zero;
        double nominal = Math.Min(max.TotalSeconds, min.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        return TimeSpan.FromSeconds(nominal / 2 + random.NextDouble() * nominal / 2);
    }
}
