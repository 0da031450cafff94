using Stork.Client.Fleet;
using Xunit;

namespace Stork.Client.Tests.Fleet;

public class AgentTimingTests
{
    [Fact]
    public void Backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half()
    {
        var random = new Random(7);
        var min = TimeSpan.FromSeconds(5);
        var max = TimeSpan.FromMinutes(5);
        for (int failures = 1; failures <= 12; failures++)
        {
            var nominal = Math.Min(300, 5 * Math.Pow(2, failures - 1));
            var waits = Enumerable.Range(0, 50).Select(_ => AgentTiming.Backoff(failures, min, max, random).TotalSeconds).ToList();
            Assert.All(waits, w => Assert.InRange(w, nominal / 2, nominal));
            Assert.True(waits.Distinct().Count() > 40, "jitter spreads retries");
        }
        Assert.Equal(TimeSpan.Zero, AgentTiming.Backoff(0, min, max, random));
        Assert.InRange(AgentTiming.Backoff(1000, min, max, random).TotalSeconds, 150, 300);
    }

    [Fact]
    public void Splay_is_stable_per_host_and_spreads_hosts_over_the_window()
    {
        var splay = TimeSpan.FromMinutes(5);
        Assert.Equal(AgentTiming.SplayOffset("h1", splay), AgentTiming.SplayOffset("h1", splay));
        var offsets = Enumerable.Range(0, 1000).Select(i => AgentTiming.SplayOffset($"host{i}", splay).TotalSeconds).ToList();
        Assert.All(offsets, o => Assert.InRange(o, 0, 300));
        // Every 30-second slice of the window gets some of the thousand hosts, none gets a crowd.
        var slices = offsets.GroupBy(o => (int)(o / 30)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, slices.Count);
        Assert.All(slices.Values, n => Assert.InRange(n, 50, 160));
        Assert.Equal(TimeSpan.Zero, AgentTiming.SplayOffset("h1", TimeSpan.Zero));
    }

    [Fact]
    public void Durations_parse_and_bad_ones_are_usage_errors()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), AgentSettings.ParseDuration("30s", "--interval"));
        Assert.Equal(TimeSpan.FromMinutes(5), AgentSettings.ParseDuration("5m", "--interval"));
        Assert.Equal(TimeSpan.FromHours(1), AgentSettings.ParseDuration("1h", "--interval"));
        Assert.Equal(TimeSpan.FromSeconds(0.5), AgentSettings.ParseDuration("0.5", "--interval"));
        var e = Assert.Throws<AgentOptionException>(() => AgentSettings.ParseDuration("5 minutes", "--interval"));
        Assert.Equal(Stork.Format.Errors.ErrorClass.Usage, e.Class);
        Assert.Contains("--interval", e.Message);
        Assert.Throws<AgentOptionException>(() => AgentSettings.ParseDuration("-1s", "--splay"));
    }

    [Fact]
    public void Agent_settings_come_from_stork_json_and_damage_is_a_local_error()
    {
        var dir = Directory.CreateTempSubdirectory("stork-agent-settings-").FullName;
        try
        {
            var path = Path.Combine(dir, "stork.json");
            File.WriteAllText(path, """{"repository":"http://x/","report_url":"https://collector.example/r","agent":{"interval_seconds":2,"splay_seconds":0,"retry_min_seconds":0.2}}""");
            var s = AgentSettings.Load(dir);
            Assert.Equal(TimeSpan.FromSeconds(2), s.Interval);
            Assert.Equal(TimeSpan.Zero, s.EffectiveSplay);
            Assert.Equal(TimeSpan.FromSeconds(0.2), s.RetryMin);
            Assert.Equal(TimeSpan.FromSeconds(2), s.EffectiveRetryMax);
            Assert.Equal("https://collector.example/r", s.ReportUrl!.AbsoluteUri);
            File.WriteAllText(path, """{"repository":"http://x/"}""");
            s = AgentSettings.Load(dir);
            Assert.Equal(TimeSpan.FromMinutes(5), s.Interval);
            Assert.Equal(TimeSpan.FromMinutes(5), s.EffectiveSplay);
            Assert.Null(s.ReportUrl);
            foreach (var bad in new[] { """{"repository":"http://x/","agent":{"interval":5}}""", """{"repository":"http://x/","agent":{"interval_seconds":0}}""",
                                        """{"repository":"http://x/","report_url":"ftp://x/"}""", """{"repository":"http://x/","agent":[]}""" })
            {
                File.WriteAllText(path, bad);
                var e = Assert.Throws<Stork.Format.Errors.LocalException>(() => AgentSettings.Load(dir));
                Assert.Equal(Stork.Format.Errors.ErrorClass.LocalState, e.Class);
                Assert.Contains("stork.json", e.Message);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
