using Stork.Client.Operations;
using Stork.Format.Text;

namespace Stork.Client.Tests.Everyday;

public sealed class EverydayHelpersTests
{
    [Fact]
    public void Sliding_rate_ignores_a_first_burst_and_follows_the_last_seconds()
    {
        var rate = new SlidingRate(TimeSpan.FromSeconds(5));
        rate.Add(0, 0);
        rate.Add(0.1, 150 << 20); // 150 MiB arrive in the first 100 ms (a resumed part, a cache)
        Assert.Null(rate.PerSecond);
        for (int s = 1; s <= 20; s++) rate.Add(s, (150 << 20) + s * (1L << 20)); // then 1 MiB/s
        Assert.Equal(1 << 20, rate.PerSecond!.Value, 1.0);
    }

    [Theory]
    [InlineData("instal", "install")]
    [InlineData("helo", "hello")]
    [InlineData("--dry-rn", "--dry-run")]
    [InlineData("lst", "list")]
    public void Did_you_mean_finds_the_near_name(string typed, string expected)
        => Assert.Equal(expected, Suggest.Closest(typed, ["install", "hello", "--dry-run", "list", "remove", "upgrade", "--guest"])[0]);

    [Theory]
    [InlineData("-y")]
    [InlineData("zzzzzz")]
    public void Did_you_mean_stays_quiet_when_nothing_is_near(string typed)
        => Assert.Equal("", Suggest.DidYouMean(typed, ["-g", "-h", "install", "--guest"]));
}
