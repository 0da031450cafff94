using NuGet.Versioning;
using Stork.Resolver.Model;

namespace Stork.Resolver.Tests;

/// <summary>
/// Checks a solution against the universe rules 1-5 directly from the metadata, sharing no code with the solver:
/// one version per name, every depends clause matched, no conflict matched by another package, install items met.
/// </summary>
public sealed class SolutionChecker
{
    private readonly HashSet<(string, NuGetVersion)> _universe;

    public SolutionChecker(IEnumerable<Candidate> universe) =>
        _universe = universe.Select(c => (c.Name, c.Version)).ToHashSet();

    public List<string> Violations(IReadOnlyList<Candidate> solution, IEnumerable<Reference> install)
    {
        var violations = new List<string>();
        foreach (var group in solution.GroupBy(c => c.Name).Where(g => g.Count() > 1))
            violations.Add($"rule 1: {group.Count()} versions of {group.Key}");
        foreach (var package in solution)
            if (!_universe.Contains((package.Name, package.Version)))
                violations.Add($"{package} is not in the universe");

        // Solution packages by every name they answer to (own name and provided names), to keep checks fast.
        var answeringTo = new Dictionary<string, List<Candidate>>();
        foreach (var package in solution)
            foreach (var name in package.Provides.Select(p => p.Name).Append(package.Name).Distinct())
            {
                if (!answeringTo.TryGetValue(name, out var list)) answeringTo[name] = list = [];
                list.Add(package);
            }
        IEnumerable<Candidate> Answering(string name) => answeringTo.TryGetValue(name, out var list) ? list : [];

        foreach (var package in solution)
        {
            foreach (var clause in package.Depends)
                if (!clause.Any(alternative => Answering(alternative.Name).Any(other => Matches(other, alternative))))
                    violations.Add($"rule 3: {package} needs {string.Join(" | ", clause)}, nothing in the solution matches");
            foreach (var conflict in package.Conflicts)
                foreach (var other in Answering(conflict.Name))
                    if (!ReferenceEquals(other, package) && !SamePackage(other, package) && Matches(other, conflict))
                        violations.Add($"rule 4: {package} conflicts with {conflict}, matched by {other}");
        }
        foreach (var item in install)
            if (!solution.Any(p => p.Name == item.Name && (item.Range is null || item.Range.Satisfies(p.Version))))
                violations.Add($"rule 5: install item {item} is not met");
        return violations;
    }

    public bool IsValid(IReadOnlyList<Candidate> solution, IEnumerable<Reference> install) =>
        Violations(solution, install).Count == 0;

    private static bool SamePackage(Candidate a, Candidate b) => a.Name == b.Name && a.Version == b.Version;

    /// <summary>Rule 2, written out from the README.</summary>
    public static bool Matches(Candidate package, Reference reference)
    {
        if (package.Name == reference.Name && (reference.Range is null || reference.Range.Satisfies(package.Version))) return true;
        foreach (var provide in package.Provides)
        {
            if (provide.Name != reference.Name) continue;
            if (provide.Version is null) { if (reference.Range is null) return true; }
            else if (reference.Range is null || reference.Range.Satisfies(provide.Version)) return true;
        }
        return false;
    }
}
