using Stork.Client.Fleet;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests.Fleet;

/// <summary>The agent's round loop with scripted rounds (the process-level tests are in Stork.Integration.Tests/Fleet/AgentProcessTests).</summary>
public class AgentLoopTests
{
    private static readonly AgentSettings Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.Zero, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(40), null);

    private static FleetRound Round(string fingerprint, string? planError = null, bool skipped = false, params GuestRound[] guests)
        => new("h1", "1.5", fingerprint, 1, [], [], guests, planError, skipped);

    private sealed class Script
    {
        public readonly StringWriter Output = new();
        public readonly List<RoundResult> Results = [];
        public readonly List<string?> Skips = [];
        public readonly CancellationTokenSource Stop = new();
        public Func<int, string?, FleetRound>? Next;
        public Action? Config;

        public async Task<ErrorClass?> RunAsync()
        {
            var loop = new AgentLoop(new AgentLog(Output), Fast, "h1")
            {
                CheckConfig = () => Config?.Invoke(),
                Round = (skip, ct) => { Skips.Add(skip); return Task.FromResult(Next!(Skips.Count, skip)); },
                AfterRound = (r, ct) => { Results.Add(r); return Task.CompletedTask; },
                Random = new Random(1),
            };
            var run = loop.RunAsync(Stop.Token);
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.Same(run, finished);
            return await run;
        }

        public string[] Lines => Output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_until_a_round_succeeds()
    {
        var s = new Script();
        s.Next = (n, _) =>
        {
            if (n <= 3) throw n == 2 ? new ContentMismatchException("mirror served junk") : new FetchException("connection refused");
            if (n == 6) s.Stop.Cancel();
            return Round("f1");
        };
        Assert.Null(await s.RunAsync());
        Assert.Equal([1, 2, 3, 0, 0, 0], s.Results.Select(r => r.ConsecutiveFailures));
        Assert.All(s.Results.Take(3), r => Assert.NotNull(r.Error));
        var lines = s.Lines;
        Assert.StartsWith("<6>agent started for host h1", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("<4>round 1 failed (network): connection refused; retry 1 in", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<4>round 2 failed (repository): mirror served junk", StringComparison.Ordinal));
        Assert.Contains("<6>round 4 succeeded after 3 failed round(s)", lines);
        // Rounds that change nothing say nothing: start, three failures, the recovery, and the stop.
        Assert.Equal(6, lines.Length);
        Assert.Equal("<6>stopped", lines[^1]);
        Assert.All(lines, l => Assert.Matches("^<[2-7]>[^\\n]+$", l));
    }

    [Fact]
    public async Task An_unappliable_manifest_is_reported_once_and_retried_when_the_metadata_changes()
    {
        var s = new Script();
        s.Next = (n, skip) => n switch
        {
            1 => Round("v5", "the fleet manifests cannot be applied on host h1; nothing was changed:\n  guest web: conflict"),
            2 or 3 => Round("v5", skipped: skip == "v5", planError: skip == "v5" ? null : "unexpected"),
            4 => Round("v6", "the fleet manifests cannot be applied on host h1; nothing was changed:\n  guest web: conflict again"),
            _ => Stop(s, Round("v7")),
        };
        Assert.Null(await s.RunAsync());
        Assert.Equal([null, "v5", "v5", "v5", "v6"], s.Skips);
        var errors = s.Lines.Where(l => l.StartsWith("<3>", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains("nothing was changed: |   guest web: conflict; ", errors[0]);   // one line: the explanation's newlines are folded
        Assert.Contains("tried again when the metadata changes", errors[0]);
        Assert.Contains("<6>the fleet manifests apply again", s.Lines);
        // While skipped, the status record still says why the host is not converged.
        Assert.Equal("the fleet manifests cannot be applied on host h1; nothing was changed:\n  guest web: conflict", s.Results[1].Round!.PlanError);
    }

    private static FleetRound Stop(Script s, FleetRound round) { s.Stop.Cancel(); return round; }

    [Fact]
    public async Task A_damaged_configuration_stops_the_agent_with_exit_7()
    {
        var s = new Script();
        int rounds = 0;
        s.Next = (n, _) => { rounds = n; return Round("f"); };
        s.Config = () => { if (rounds >= 2) throw new LocalException("/etc/stork/stork.json is damaged: not JSON"); };
        Assert.Equal(ErrorClass.LocalState, await s.RunAsync());
        Assert.Equal(2, s.Results.Count);
        Assert.Equal("<3>stopping: /etc/stork/stork.json is damaged: not JSON", s.Lines[^1]);
    }

    [Fact]
    public async Task Changes_and_repairs_are_logged_and_a_guest_error_only_when_it_changes()
    {
        var s = new Script();
        var report = new Stork.Client.Guests.InstallReport("web", ["hello 1.0.0"], [], [], 3, 0, 10, 0, 0, [], [], 3, 10) { Generation = 2 };
        s.Next = (n, _) => n switch
        {
            1 => Round("f", null, false, new GuestRound("web", [], report, [], null, false), new GuestRound("db", [], null, [], "a file no package owns is in the way: /bin/x", false)),
            2 or 3 => Round("f", null, false, new GuestRound("web", [], null, ["/bin/hello"], null, false), new GuestRound("db", [], null, [], "a file no package owns is in the way: /bin/x", false)),
            _ => Stop(s, Round("f", null, false, new GuestRound("db", [], null, [], null, false))),
        };
        Assert.Null(await s.RunAsync());
        var lines = s.Lines;
        Assert.Contains("<5>guest web: generation 2: added hello 1.0.0", lines);
        Assert.Single(lines, l => l.StartsWith("<3>guest db: a file no package owns", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l == "<4>guest web: repaired 1 drifted path(s): /bin/hello"));
        Assert.Contains("<6>guest db: converged again", lines);
    }
}
