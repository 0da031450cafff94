using Stork.Resolver.Model;
using Xunit;
using Xunit.Abstractions;

namespace Stork.Resolver.Tests;

/// <summary>Every package of the universe installed on its own, each as its own job, every solution checked.</summary>
public sealed class InstallabilityTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_package_alone_is_solved_and_every_solution_checks()
    {
        int uninstallable = SolveEach(TestData.Universe, checkEvery: 1);
        // libsolv 0.7.23 finds the same number on this universe (bench/resolver/libsolv_bench.py --all).
        Assert.Equal(16, uninstallable);
    }

    /// <summary>A deterministic sample, for quick local runs (filter on this name).</summary>
    [Fact]
    [Trait("Category", "Quick")]
    public void A_deterministic_sample_of_2000_packages_is_solved_and_checked()
    {
        var universe = TestData.Universe;
        int step = Math.Max(1, universe.Count / 2000);
        _ = SolveEach(universe.Where((_, i) => i % step == 0).Take(2000).ToList(), checkEvery: 1);
    }

    private int SolveEach(IReadOnlyList<Candidate> packages, int checkEvery)
    {
        var checker = new SolutionChecker(TestData.Universe);
        var session = new SolverSession(TestData.Provider);
        int uninstallable = 0, index = 0;
        var failures = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var package in packages)
        {
            var item = new Reference(package.Name, NuGet.Versioning.VersionRange.Parse($"[{package.Version.ToNormalizedString()}]"));
            var result = session.Solve(new SolveRequest { Install = [item], TimeLimit = TimeSpan.FromSeconds(10) });
            if (result.Outcome is SolveOutcome.TimedOut or SolveOutcome.Cancelled) failures.Add($"{package}: {result.Outcome}");
            else if (!result.Solvable)
            {
                uninstallable++;
                if (string.IsNullOrWhiteSpace(result.Explanation)) failures.Add($"{package}: unsolvable without explanation");
            }
            else if (index % checkEvery == 0)
                failures.AddRange(checker.Violations(result.Solution, [item]).Take(3).Select(v => $"{package}: {v}"));
            index++;
        }
        output.WriteLine($"{packages.Count} packages, {uninstallable} not installable, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(failures.Take(20));
        return uninstallable;
    }
}
