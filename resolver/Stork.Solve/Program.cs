using System.Diagnostics;
using Stork.Resolver;
using Stork.Resolver.Model;
using Stork.Resolver.Universe;
using Stork.Solve;

// stork-solve --universe FILE.jsonl[.zst] --jobs JOBS.jsonl
// Exit codes: 0 ok, 2 usage error, 3 unreadable or invalid input file.
var options = CommandLine.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

var loadClock = Stopwatch.StartNew();
// Everything parsed now lives until exit: collecting (and copying survivors) while loading is wasted work.
bool noGcRegion = TryStartNoGcRegion(256L << 20);
List<Candidate> candidates;
try
{
    candidates = UniverseReader.ReadParallel(InputFiles.ReadBytes(options.UniversePath));
}
catch (Exception e) when (InputFiles.IsInputError(e))
{
    Console.Error.WriteLine(InputFiles.Describe(options.UniversePath, e));
    return 3;
}
double parseMs = loadClock.Elapsed.TotalMilliseconds;
var provider = new InMemoryPackageProvider(candidates);
var session = new SolverSession(provider);
double indexMs = 0;
if (options.Prepare)
{
    var indexClock = Stopwatch.StartNew();
    session.Prepare(provider.PackageNames());
    indexMs = indexClock.Elapsed.TotalMilliseconds;
}
if (noGcRegion && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
double loadMs = loadClock.Elapsed.TotalMilliseconds;
if (options.Verbose) Console.Error.WriteLine($"parse {parseMs:F1} ms, provider and index {loadMs - parseMs:F1} ms (rules {indexMs:F1} ms), no-GC region {noGcRegion}, collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");

List<SolveJob> jobs = [];
if (options.JobsPath is { } jobsPath)
{
    try
    {
        using var stream = InputFiles.Open(jobsPath);
        jobs = SolveJob.ReadAll(stream);
    }
    catch (Exception e) when (InputFiles.IsInputError(e))
    {
        Console.Error.WriteLine(InputFiles.Describe(jobsPath, e));
        return 3;
    }
}

using var output = new JsonLines(Console.OpenStandardOutput());
output.Write(w =>
{
    w.WriteNumber("universe_load_ms", Math.Round(loadMs, 3));
    w.WriteNumber("packages", candidates.Count);
});

foreach (var job in jobs)
{
    var request = new SolveRequest { Install = job.Install, TimeLimit = options.TimeLimit };
    SolveResult result = null!;
    var times = new double[options.Repeat];
    for (int run = 0; run < options.Repeat; run++)
    {
        var clock = Stopwatch.StartNew();
        result = session.Solve(request);
        times[run] = clock.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    if (options.Verbose) Console.Error.WriteLine($"{job.Id}: {session.LastStatistics}");
    output.Write(w =>
    {
        w.WriteString("id", job.Id);
        w.WriteBoolean("solvable", result.Solvable);
        if (result.Outcome is SolveOutcome.TimedOut or SolveOutcome.Cancelled) w.WriteString("outcome", result.Outcome.ToString());
        w.WriteStartArray("solution");
        foreach (var package in result.Solution) w.WriteStringValue(package.ToString());
        w.WriteEndArray();
        if (result.Explanation is null) w.WriteNull("explanation");
        else w.WriteString("explanation", result.Explanation);
        w.WriteNumber("solve_ms", Math.Round(times[times.Length / 2], 3));
        if (options.Repeat > 1) w.WriteNumber("first_solve_ms", Math.Round(times.Max(), 3));
    });
}

if (options.AllInstallable)
{
    var (elapsed, uninstallable) = Installability.SolveEachPackage(session, candidates, options.TimeLimit);
    output.Write(w =>
    {
        w.WriteNumber("installability_ms", Math.Round(elapsed, 1));
        w.WriteNumber("packages", candidates.Count);
        w.WriteNumber("uninstallable", uninstallable);
    });
}
return 0;

static bool TryStartNoGcRegion(long bytes)
{
    try { return GC.TryStartNoGCRegion(bytes); }
    catch (ArgumentOutOfRangeException) { return false; } // larger than this GC allows; load normally
}
