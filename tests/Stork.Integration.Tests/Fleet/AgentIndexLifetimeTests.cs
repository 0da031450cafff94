using Stork.Integration.Tests.Support;
using Xunit;

namespace Stork.Integration.Tests.Fleet;

/// <summary>
/// The agent ends each round's view of the package index cache with the round: between rounds it keeps no
/// connection (hence no read transaction) to the cache database, so a refresh can rewrite it and its WAL can be
/// checkpointed while the agent waits.
/// </summary>
[Collection(FleetLab.Collection)]
public sealed class AgentIndexLifetimeTests(FleetLab template) : IDisposable
{
    private readonly FleetLab _lab = template.Clone();

    [Fact]
    public void Between_rounds_the_agent_keeps_no_connection_to_the_index_cache()
    {
        using var nginx = new NginxServer(_lab.Public);
        using var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1"]);
        using var agent = new AgentProcess(host);
        agent.WaitUntil(() => agent.Status()?["state"]?.GetValue<string>() == "converged", "convergence");
        var round = agent.Status()!["round"]!.GetValue<long>();
        // Later rounds find nothing new: their index is read from the cache database (a connection with a read transaction).
        agent.WaitUntil(() => agent.Status()?["round"]?.GetValue<long>() >= round + 2, "two more rounds");
        var cache = Path.Combine(host.Home, "state", "package-index.db");
        Assert.True(File.Exists(cache), $"no index cache at {cache}");
        Assert.True(Directory.Exists($"/proc/{agent.Id}/fd"), "this test needs /proc/PID/fd (Linux)");
        // Rounds are short and the agent waits between them: a moment with no descriptor on the cache must come, and
        // with every round's index disposed it comes at every wait (the previous rounds' indexes are not waiting for GC).
        var full = Path.GetFullPath(cache);
        for (int i = 0; i < 3; i++)
        {
            agent.WaitUntil(() => !OpenFiles(agent.Id).Any(f => f.StartsWith(full, StringComparison.Ordinal)), "a wait between rounds with the index cache closed");
            var next = agent.Status()!["round"]!.GetValue<long>();
            agent.WaitUntil(() => agent.Status()?["round"]?.GetValue<long>() > next, "one more round");
        }
        Assert.False(agent.HasExited, agent.ToString());
        Assert.Equal(0, agent.Terminate());
    }

    private static List<string> OpenFiles(int pid)
    {
        var files = new List<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            try { if (new FileInfo(fd).LinkTarget is { } target) files.Add(target); }
            catch (IOException) { /* closed meanwhile */ }
        return files;
    }

    public void Dispose() => _lab.Dispose();
}
