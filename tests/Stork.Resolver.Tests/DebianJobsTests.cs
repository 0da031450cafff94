using Stork.Resolver.Model;
using Xunit;
using Xunit.Abstractions;

namespace Stork.Resolver.Tests;

/// <summary>The 12 reference jobs on the real Debian bookworm universe: same verdict as libsolv, valid solutions.</summary>
public sealed class DebianJobsTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_sample_job_gets_libsolvs_verdict_and_a_valid_solution()
    {
        var checker = new SolutionChecker(TestData.Universe);
        var session = new SolverSession(TestData.Provider);
        var jobs = TestData.Jobs();
        Assert.Equal(12, jobs.Count);
        var failures = new List<string>();
        foreach (var job in jobs)
        {
            var result = session.Solve(new SolveRequest { Install = job.Install, TimeLimit = TimeSpan.FromSeconds(30) });
            output.WriteLine($"{job.Id}: {result.Outcome}, {result.Solution.Count} packages (libsolv {job.ExpectSize?.ToString() ?? "-"})");
            if (result.Solvable != job.ExpectSolvable) failures.Add($"{job.Id}: solvable={result.Solvable}, libsolv says {job.ExpectSolvable}");
            if (result.Solvable)
            {
                var violations = checker.Violations(result.Solution, job.Install);
                failures.AddRange(violations.Take(5).Select(v => $"{job.Id}: {v}"));
                // libsolv's size is one valid answer, not a minimum: smaller is fine, but never pull in needless packages.
                if (job.ExpectSize is int size && result.Solution.Count > size * 1.03)
                    failures.Add($"{job.Id}: {result.Solution.Count} packages, libsolv {size}");
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Explanation));
                output.WriteLine(result.Explanation);
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void Universe_loads_all_packages()
    {
        Assert.Equal(63_440, TestData.Universe.Count);
        Assert.Equal(63_436, TestData.Universe.Select(c => c.Name).Distinct().Count());
    }
}
