using NuGet.Versioning;
using Stork.Resolver.Model;

namespace Stork.Resolver.Tests;

/// <summary>Tiny builders for hand-written universes: P("web 2.0.0", depends: ["libssl [3.0.0,)", "a | b"]).</summary>
public static class Scenario
{
    public static Candidate P(string nameAndVersion, string[]? depends = null, string[]? conflicts = null, string[]? provides = null)
    {
        var parts = nameAndVersion.Split(' ');
        return new Candidate(
            parts[0],
            NuGetVersion.Parse(parts[1]),
            (depends ?? []).Select(clause => (IReadOnlyList<Reference>)clause.Split('|').Select(a => Reference.Parse(a.Trim())).ToList()).ToList(),
            (conflicts ?? []).Select(Reference.Parse).ToList(),
            (provides ?? []).Select(Provide.Parse).ToList());
    }

    public static PackageId Id(string nameAndVersion)
    {
        var parts = nameAndVersion.Split(' ');
        return new PackageId(parts[0], NuGetVersion.Parse(parts[1]));
    }

    public static List<Reference> Items(params string[] items) => items.Select(Reference.Parse).ToList();

    /// <summary>The text a snapshot pins: the outcome, then the solution or the explanation.</summary>
    public static string Render(SolveResult result) => result.Outcome switch
    {
        SolveOutcome.Solved => "Solved: " + string.Join(", ", result.Solution),
        SolveOutcome.Unsolvable => "Unsolvable:\n" + result.Explanation,
        var other => other.ToString(),
    };

    public static string Solve(IEnumerable<Candidate> universe, SolveRequest request) =>
        Render(Solver.Solve(new InMemoryPackageProvider(universe), request));
}
