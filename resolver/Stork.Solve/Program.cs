using System.Diagnostics;
using System.Text.Json;
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
List<Candidate> candidates;
try
{
    using var stream = InputFiles.Open(options.UniversePath);
    candidates = UniverseReader.Read(stream);
}
catch (Exception e) when (InputFiles.IsInputError(e))
{
    Console.Error.WriteLine(InputFiles.Describe(options.UniversePath, e));
    return 3;
}
var provider = new InMemoryPackageProvider(candidates);
double loadMs = loadClock.Elapsed.TotalMilliseconds;

List<SolveJob> jobs;
try
{
    using var stream = InputFiles.Open(options.JobsPath);
    jobs = SolveJob.ReadAll(stream);
}
catch (Exception e) when (InputFiles.IsInputError(e))
{
    Console.Error.WriteLine(InputFiles.Describe(options.JobsPath, e));
    return 3;
}

using var stdout = Console.OpenStandardOutput();
using var writer = new Utf8JsonWriter(stdout);
void EndLine() { writer.Flush(); writer.Reset(); stdout.WriteByte((byte)'\n'); }

writer.WriteStartObject();
writer.WriteNumber("universe_load_ms", Math.Round(loadMs, 3));
writer.WriteNumber("packages", candidates.Count);
writer.WriteEndObject();
EndLine();

var session = new SolverSession(provider);
foreach (var job in jobs)
{
    var clock = Stopwatch.StartNew();
    var result = session.Solve(new SolveRequest { Install = job.Install, TimeLimit = options.TimeLimit });
    double solveMs = clock.Elapsed.TotalMilliseconds;
    writer.WriteStartObject();
    writer.WriteString("id", job.Id);
    writer.WriteBoolean("solvable", result.Solvable);
    if (result.Outcome is SolveOutcome.TimedOut or SolveOutcome.Cancelled) writer.WriteString("outcome", result.Outcome.ToString());
    writer.WriteStartArray("solution");
    foreach (var package in result.Solution) writer.WriteStringValue(package.ToString());
    writer.WriteEndArray();
    if (result.Explanation is not null) writer.WriteString("explanation", result.Explanation);
    else writer.WriteNull("explanation");
    writer.WriteNumber("solve_ms", Math.Round(solveMs, 3));
    writer.WriteEndObject();
    EndLine();
}
return 0;
