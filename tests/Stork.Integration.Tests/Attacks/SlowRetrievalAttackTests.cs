using Stork.Client.Fetching;
using Stork.Format.Errors;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attack 6: slow retrieval. nginx trickles the blobs; the client gives up once the rate stays below its minimum.</summary>
public sealed class SlowRetrievalAttackTests
{
    [Fact]
    public async Task A_trickling_mirror_is_abandoned_quickly()
    {
        using var lab = new AttackLab("location /targets/ { limit_rate 2k; }");
        lab.FetchPolicy = new FetchPolicy(StallTimeout: TimeSpan.FromSeconds(5), MinBytesPerSecond: 64 * 1024, Grace: TimeSpan.FromSeconds(1));
        await lab.RefreshAsync();          // metadata is not throttled; only the blobs trickle
        var started = DateTime.UtcNow;
        var error = await AttackAssert.Refused<FetchException>(lab, () => lab.InstallAsync("busybox"));
        Assert.Contains("slow retrieval", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the client must not wait for the whole trickle");
    }
}
