using NuGet.Versioning;
using Stork.Client.Fleet;
using Stork.Format.Fleet;
using Xunit;

namespace Stork.Client.Tests.Fleet;

/// <summary>Staged rollouts across 20 simulated hosts, through the same planner `apply` and the agent use.</summary>
public class RolloutTests
{
    private static readonly string[] Hosts = Enumerable.Range(1, 20).Select(i => $"host-{i:00}").ToArray();
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static FleetManifest Manifest(int? percent, DateTimeOffset? notBefore = null)
    {
        var staged = "{\"group\":\"all\",\"install\":\"hello\",\"range\":\"[2.0.0,3.0.0)\""
            + (percent is { } p ? $",\"rollout\":{p}" : "")
            + (notBefore is { } t ? $",\"not_before\":\"{FleetRollout.FormatTime(t)}\"" : "") + "}";
        var json = "{\"format\":1,\"groups\":{\"all\":{\"include\":[" + string.Join(",", Hosts.Select(h => $"\"{h}\"")) + "]}},"
            + "\"actions\":[{\"group\":\"all\",\"install\":\"busybox\"}," + staged + "]}";
        return FleetManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "fleet/site.json");
    }

    /// <summary>The hosts whose guest gets the staged action.</summary>
    private static HashSet<string> Taking(FleetManifest manifest, DateTimeOffset now)
    {
        var taking = new HashSet<string>();
        foreach (var host in Hosts)
        {
            var planner = new FleetPlanner([new SignedManifest("fleet/site.json", "fleet", manifest)]);
            var guest = Assert.Single(planner.DirectivesFor(host, ["web"], now));
            Assert.Contains(guest.Directives, d => d.Action.Package == "busybox");   // unstaged actions reach everyone
            if (guest.Directives.Any(d => d.Action.Package == "hello")) taking.Add(host);
            else Assert.Single(planner.Deferred);
        }
        return taking;
    }

    [Fact]
    public void Raising_the_percentage_widens_the_same_set_of_hosts()
    {
        var previous = new HashSet<string>();
        var sizes = new List<int>();
        foreach (var percent in new[] { 10, 25, 50, 75, 100 })
        {
            var taking = Taking(Manifest(percent), Now);
            Assert.Superset(previous, taking);
            sizes.Add(taking.Count);
            previous = taking;
        }
        Assert.Equal(20, sizes[^1]);
        // The buckets are spread out: 20 hosts land near the percentage (binomial, generous bounds, deterministic names).
        Assert.InRange(sizes[0], 0, 6);
        Assert.InRange(sizes[2], 5, 15);
        Assert.True(sizes[0] < sizes[3], string.Join(",", sizes));
        // The same host name always lands in the same bucket (restart, other machine).
        Assert.Equal(Taking(Manifest(50), Now), Taking(Manifest(50), Now));
        foreach (var host in Hosts) Assert.Equal(FleetRollout.BucketOf(host), FleetRollout.BucketOf(new string(host.ToCharArray())));
    }

    [Fact]
    public void Not_before_holds_every_host_back_until_its_time()
    {
        Assert.Empty(Taking(Manifest(null, Now.AddHours(1)), Now));
        Assert.Equal(20, Taking(Manifest(null, Now.AddHours(1)), Now.AddHours(1)).Count);
        Assert.Equal(Taking(Manifest(30), Now), Taking(Manifest(30, Now.AddMinutes(-1)), Now));
    }

    [Fact]
    public void A_host_outside_the_rollout_keeps_its_current_version()
    {
        var outside = Hosts.First(h => !FleetRollout.Includes(new FleetAction("all", FleetActionKind.Install, "hello", null, 10), h, Now));
        var planner = new FleetPlanner([new SignedManifest("fleet/site.json", "fleet", Manifest(10))]);
        var directives = Assert.Single(planner.DirectivesFor(outside, ["web"], Now));
        var request = GuestRequestBuilder.Build(directives, [new("hello", NuGetVersion.Parse("1.0.0"))], ["hello"]);
        // hello 1.0.0 stays a manual package; nothing asks to move it to 2.x on this host.
        Assert.DoesNotContain(request.Install, r => r.Name == "hello");
        Assert.DoesNotContain("hello", request.Upgrade);
        Assert.Contains("hello", request.ManuallyInstalled);
    }

    [Fact]
    public void Rollout_and_not_before_round_trip_and_bad_values_are_refused()
    {
        var manifest = Manifest(25, Now);
        var again = FleetManifest.Parse(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson().ToJsonString()), "again");
        var staged = again.Actions.Single(a => a.Package == "hello");
        Assert.Equal(25, staged.Rollout);
        Assert.Equal(Now, staged.NotBefore);
        Assert.Contains("rollout 25%", staged.ToString());
        foreach (var bad in new[] { "\"rollout\":0", "\"rollout\":101", "\"rollout\":\"50\"", "\"not_before\":\"tomorrow\"", "\"not_before\":\"2026-12-01T08:00:00+02:00\"" })
            Assert.Throws<FormatException>(() => FleetManifest.Parse(System.Text.Encoding.UTF8.GetBytes(
                "{\"format\":1,\"groups\":{\"g\":{\"include\":[\"h\"]}},\"actions\":[{\"group\":\"g\",\"install\":\"x\"," + bad + "}]}"), "bad"));
    }

    [Fact]
    public void A_member_naming_a_guest_the_host_lacks_is_reported_once()
    {
        var manifest = FleetManifest.Parse("""
            {"format":1,"groups":{"a":{"include":["h1/ghost","h1/web"]},"b":{"include":["@a"]}},
             "actions":[{"group":"a","install":"x"},{"group":"b","install":"y"}]}
            """u8, "m");
        var planner = new FleetPlanner([new SignedManifest("fleet/site.json", "fleet", manifest)]);
        var result = planner.DirectivesFor("h1", ["db", "web"], Now);
        Assert.Equal(2, result.Single(g => g.Guest == "web").Directives.Count);
        var problem = Assert.Single(planner.Problems);
        Assert.Contains("h1/ghost", problem);
        // Other hosts' guests are none of this host's business.
        var other = new FleetPlanner([new SignedManifest("fleet/site.json", "fleet", manifest)]);
        other.DirectivesFor("h2", ["web"], Now);
        Assert.Empty(other.Problems);
    }
}
