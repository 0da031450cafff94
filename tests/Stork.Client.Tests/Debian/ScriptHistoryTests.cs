using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// The guest's script history: one JSON writer serves the stored line and history's output (whose bytes are what they
/// were), each run is kept as it ends (a crash later in the change loses none), runs before the change's generation is
/// recorded are refiled under it, and a line torn by a crash costs only itself.
/// </summary>
public sealed class ScriptHistoryTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Root => _dir.Combine("root");
    private string State => _dir.Combine("state");

    public void Dispose() => _dir.Dispose();

    private static ScriptRecord Run(int generation, string package, int exit = 0, string output = "hello \"world\"\n") =>
        new(generation, new DateTimeOffset(2026, 11, 30, 18, 0, 5, TimeSpan.Zero), package, "postinst", ["configure", ""], exit, false, 0, output);

    [Fact]
    public void History_json_of_a_run_is_byte_for_byte_what_it_was()
    {
        // What history --json and history --scripts --json printed for a run before the writer was shared.
        const string listed = """{"time":"2026-11-30T18:00:05Z","package":"p","script":"postinst","args":["configure",""],"exit":0,"timed_out":false,"ok":true}""";
        const string shown = """{"time":"2026-11-30T18:00:05Z","package":"p","script":"postinst","args":["configure",""],"exit":0,"timed_out":false,"ok":true,"output":"hello \u0022world\u0022\n","cut_chars":0}""";
        Assert.Equal(listed, ScriptHistory.ToJson(Run(3, "p"), ScriptJsonFields.Ok).ToJsonString());
        Assert.Equal(shown, ScriptHistory.ToJson(Run(3, "p"), ScriptJsonFields.Ok | ScriptJsonFields.Output).ToJsonString());
    }

    [Fact]
    public void Runs_before_the_generation_is_recorded_are_refiled_under_it_and_a_torn_line_costs_only_itself()
    {
        Assert.Null(ScriptHistory.TryAppend(State, "g", Run(2, "before"), change: "c1"));
        Assert.Null(ScriptHistory.TryAppend(State, "g", Run(2, "other-change"), change: "c0"));
        Assert.Null(ScriptHistory.TryFile(State, "g", "c1", 3));
        Assert.Null(ScriptHistory.TryAppend(State, "g", Run(3, "after", exit: 1)));
        // A crash in the middle of a write leaves a line without its end.
        File.AppendAllText(ScriptHistory.PathOf(State, "g"), """{"generation":3,"time":"2026-11""");
        Assert.Null(ScriptHistory.TryAppend(State, "g", Run(3, "next")));

        var runs = ScriptHistory.Read(State, "g");
        Assert.Equal(["before 3", "other-change 2", "after 3", "next 3"], runs.Select(r => $"{r.Package} {r.Generation}"));
        var read = runs[2];
        Assert.Equal(Run(3, "after", exit: 1) with { Args = read.Args }, read);
        Assert.Equal(["configure", ""], read.Args);
    }

    [Fact]
    public async Task A_crash_after_a_script_run_keeps_that_runs_record()
    {
        Assert.True(MachineRequirements.Root is null, MachineRequirements.Root);
        Assert.True(MachineRequirements.Fixtures is null, MachineRequirements.Fixtures);
        var runner = ScriptRunner.ForTool("bwrap");
        Assert.True(runner is not null, "bwrap is not installed: apt-get install bubblewrap (./test.sh does)");
        Directory.CreateDirectory(Path.Combine(Root, "bin"));
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        File.Copy(RepoRoot.File("fixtures", "build", "src", "busybox-1.35.0", "bin", "busybox"), Path.Combine(Root, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(Root, "bin", "sh"), "busybox");
        PackageManifest Package(string name) => new()
        {
            Name = name,
            Version = "1.0",
            Scripts = new MaintainerScripts { Postinst = $"#!/bin/sh\necho \"{name} configured\"\n" },
        };
        var arriving = new[] { Package("a"), Package("b") }.ToDictionary(m => m.Name);
        var changes = PackageChanges.Create([], [new DesiredPackage("a", "1.0", "x", 1, true), new DesiredPackage("b", "1.0", "y", 1, true)]);
        using var root = GuestRoot.Open("g", Root);
        var phase = new MaintainerScriptPhase(root, new ScriptPolicy(new HashSet<string> { "a", "b" }, () => runner!), State, TimeProvider.System)
        { BaseGeneration = 4 };
        phase.Filed(5);
        CrashPoints.OnHit = () => throw new SimulatedCrashException(); // the first point after a run: right after a's postinst
        try { await Assert.ThrowsAsync<SimulatedCrashException>(() => phase.AfterAsync(changes, arriving, new Dictionary<string, PackageManifest>(), arriving, CancellationToken.None)); }
        finally
        {
            CrashPoints.OnHit = null;
            phase.Finish();
        }
        var run = Assert.Single(ScriptHistory.Read(State, "g"));
        Assert.Equal(("a", "postinst", 5, 0), (run.Package, run.Script, run.Generation, run.ExitCode));
        Assert.Equal("a configured\n", run.Output);
    }
}
