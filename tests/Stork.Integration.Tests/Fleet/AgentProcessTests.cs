using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;
using Stork.Publishing.Repository;
using Xunit;

namespace Stork.Integration.Tests.Fleet;

/// <summary>
/// `stork-get agent` as a child process against a real nginx: it keeps converging through repository outages,
/// bad data, broken manifests and signals, and only says something when something happens.
/// </summary>
[Collection(FleetLab.Collection)]
public sealed class AgentProcessTests(FleetLab template) : IDisposable
{
    private readonly FleetLab _lab = template.Clone();

    [Fact]
    public void Survives_a_repository_outage_and_converges_when_it_returns_then_stops_cleanly_on_SIGTERM()
    {
        int port;
        using (var first = new NginxServer(_lab.Public)) port = first.Port;   // the URL the host follows; nginx is now down
        using var host = _lab.NewHost(new Uri($"http://127.0.0.1:{port}/"), "h1", ["web1", "db"]);
        using var agent = new AgentProcess(host);

        agent.WaitForLog("failed (network)", count: 3);
        agent.WaitUntil(() => agent.Status()?["failures"]?.GetValue<int>() >= 3, "the status record of the third failed round");
        var status = agent.Status();
        Assert.NotNull(status);
        Assert.Equal("failed", status["state"]!.GetValue<string>());
        Assert.True(status["failures"]!.GetValue<int>() >= 3, status.ToJsonString());
        Assert.Equal("network", status["error"]!["kind"]!.GetValue<string>());
        Assert.Equal("[]", FleetLab.Installed(host, "web1").Trim());
        // Backoff: retries are spaced out, not a busy loop (min 0.2 s doubling to the 1 s cap, with jitter).
        Thread.Sleep(1500);
        var failures = agent.LogLines.Count(l => l.Contains("failed (network)", StringComparison.Ordinal));
        Assert.InRange(failures, 3, 12);

        using var back = new NginxServer(_lab.Public, port: port);
        agent.WaitUntil(() => agent.Status()?["state"]?.GetValue<string>() == "converged", "convergence after the outage");
        Assert.False(agent.HasExited);
        Assert.Contains("\"hello\"", FleetLab.Installed(host, "web1"));
        Assert.Contains("\"busybox\"", FleetLab.Installed(host, "db"));
        Assert.DoesNotContain("\"hello\"", FleetLab.Installed(host, "db"));
        agent.WaitForLog("<5>guest web1: generation 1: added ");
        agent.WaitUntil(() => agent.LogLines.Any(l => l.StartsWith("<6>round ", StringComparison.Ordinal) && l.Contains("succeeded after", StringComparison.Ordinal)), "the round's success line");

        // Quiet when nothing changes: further rounds run (status round grows) but log nothing.
        var lines = agent.LogLines.Length;
        var round = agent.Status()!["round"]!.GetValue<long>();
        agent.WaitUntil(() => agent.Status()?["round"]?.GetValue<long>() >= round + 2, "two more rounds");
        Assert.Equal(lines, agent.LogLines.Length);
        Assert.All(agent.LogLines, l => Assert.Matches("^<[2-7]>", l));

        Assert.Equal(0, agent.Terminate());
        Assert.Equal("<6>stopped", agent.LogLines[^1]);
        Assert.Equal(0, host.Get("verify").ExitCode);
    }

    [Fact]
    public void A_malformed_manifest_is_reported_once_while_the_others_apply_and_drift_is_repaired_in_a_round()
    {
        var broken = _lab.File("broken.json");
        System.IO.File.WriteAllText(broken, """{"format":1,"groups":{"x":{"include":["h1"]}},"actions":[{"group":"x","install":"hello","rollout":"lots"}]}""");
        var project = RepositoryProject.Open(_lab.Repo, TimeProvider.System);
        project.AddTarget("fleet/broken.json", broken, null, "fleet");
        project.Publish([KeyFiles.Read(_lab.FleetKey).Private!]);
        using var nginx = new NginxServer(_lab.Public);
        using var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1", "web2"]);
        using var agent = new AgentProcess(host);

        agent.WaitUntil(() => agent.Status()?["state"]?.GetValue<string>() == "converged", "convergence");
        Assert.Contains("\"hello\"", FleetLab.Installed(host, "web2"));
        agent.WaitUntil(() => agent.Status()?["round"]?.GetValue<long>() >= 3, "three rounds");
        Assert.Single(agent.LogLines, l => l.StartsWith("<4>fleet: fleet/broken.json", StringComparison.Ordinal) && l.Contains("rollout", StringComparison.Ordinal));
        Assert.Contains(agent.Status()!["problems"]!.AsArray(), p => p!.GetValue<string>().Contains("fleet/broken.json", StringComparison.Ordinal));

        // A file of a managed package disappears from a guest: the next round puts it back from the store.
        var file = Path.Combine(host.GuestRoot("web1"), "bin", "sh");
        Assert.NotNull(new FileInfo(file).LinkTarget);
        System.IO.File.Delete(file);
        agent.WaitForLog("<4>guest web1: repaired 1 drifted path(s): /bin/sh");
        Assert.NotNull(new FileInfo(file).LinkTarget);
        Assert.Equal(0, host.Get("verify", "--guest", "web1").ExitCode);
        Assert.Equal(0, agent.Terminate());
    }

    [Fact]
    public void A_repository_serving_bad_metadata_is_retried_until_it_serves_good_data_again()
    {
        // A copy of the tree whose timestamp.json carries a broken signature.
        var served = _lab.File("served");
        ProcessRunner.Run("cp", ["-a", _lab.Public, served]);
        var timestamp = Path.Combine(served, "metadata", "timestamp.json");
        var good = System.IO.File.ReadAllText(timestamp);
        var json = JsonNode.Parse(good)!.AsObject();
        var sig = json["signatures"]![0]!["sig"]!.GetValue<string>();
        json["signatures"]![0]!["sig"] = (sig[0] == '0' ? "1" : "0") + sig[1..];
        System.IO.File.WriteAllText(timestamp, json.ToJsonString());
        using var nginx = new NginxServer(served);
        using var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1"]);
        using var agent = new AgentProcess(host);

        agent.WaitForLog("failed (repository)", count: 2);
        Assert.Equal("repository", agent.Status()!["error"]!["kind"]!.GetValue<string>());
        Assert.Equal(3, agent.Status()!["error"]!["exit_code"]!.GetValue<int>());
        System.IO.File.WriteAllText(timestamp, good);
        agent.WaitUntil(() => agent.Status()?["state"]?.GetValue<string>() == "converged", "convergence once the data is good");
        Assert.Contains("\"hello\"", FleetLab.Installed(host, "web1"));
        Assert.Equal(0, agent.Terminate());
    }

    [Fact]
    public void SIGTERM_during_a_round_stops_cleanly_and_a_change_cut_short_is_recovered_at_the_next_start()
    {
        // Blobs come slowly, so the first round is still fetching when SIGTERM arrives.
        using var slow = new NginxServer(_lab.Public, extraServerConfig: "location /targets/packages/ { limit_rate 64k; }");
        using var host = _lab.NewHost(slow.BaseUrl, "h1", ["web1"]);
        using (var agent = new AgentProcess(host))
        {
            agent.WaitUntil(() => slow.Requests().Any(r => r.StartsWith("GET /targets/packages/", StringComparison.Ordinal)), "a blob download");
            var started = DateTime.UtcNow;
            Assert.Equal(0, agent.Terminate());
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
            Assert.Contains(agent.LogLines, l => l.StartsWith("<5>stopping during round 1", StringComparison.Ordinal));
        }
        Assert.Equal("[]", FleetLab.Installed(host, "web1").Trim());

        // Now a change is cut short in the middle of its journaled transaction (kill -9 at a crash point)...
        using (var crashing = new AgentProcess(host, new Dictionary<string, string> { ["STORK_CRASH_AFTER"] = "30" }))
        {
            Assert.Equal(128 + 9, crashing.WaitForExit(120));   // SIGKILL at the crash point
        }
        // ...and the next start finishes or undoes it before its first round, then converges.
        using var next = new AgentProcess(host);
        next.WaitUntil(() => next.Status()?["state"]?.GetValue<string>() == "converged", "convergence after the crash", 120);
        // The status file can be read before the agent's log lines reach the test's reader: wait for them too.
        next.WaitForLog("<5>recovered an interrupted change: web1");
        Assert.Contains("\"hello\"", FleetLab.Installed(host, "web1"));
        Assert.Equal(0, host.Get("verify").ExitCode);
        Assert.Equal(0, next.Terminate());
    }

    [Fact]
    public void A_damaged_configuration_stops_the_agent_with_exit_7_and_bad_options_with_exit_2()
    {
        using var nginx = new NginxServer(_lab.Public);
        using var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1"]);
        var usage = host.Get("agent", "--interval", "soon");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("error: --interval: 'soon'", usage.Stderr);
        using var agent = new AgentProcess(host);
        agent.WaitUntil(() => agent.Status()?["state"]?.GetValue<string>() == "converged", "convergence");
        System.IO.File.WriteAllText(Path.Combine(host.Home, "config", "stork.json"), "{ not json");
        Assert.Equal(7, agent.WaitForExit(30));
        Assert.StartsWith("<3>stopping: ", agent.LogLines[^1]);
        Assert.Contains("stork.json", agent.LogLines[^1]);
    }

    public void Dispose() => _lab.Dispose();
}
