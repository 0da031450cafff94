using CsCheck;
using NuGet.Versioning;
using Stork.Resolver.Model;
using Xunit;

namespace Stork.Resolver.Tests;

/// <summary>On small random universes the solver's verdict equals brute-force enumeration, and every solution checks.</summary>
public sealed class PropertyTests
{
    private static readonly string[] Ranges = ["[{0}.0.0,)", "(,{0}.0.0)", "[{0}.0.0]", "({0}.0.0,)", "(,{0}.0.0]"];

    [Fact]
    public void Verdict_equals_brute_force_and_solutions_check()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var (universe, install) = RandomProblem(new Random(seed));
            var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = install });
            bool expected = BruteForce.Solvable(universe, install);
            if (result.Solvable != expected)
                throw new Exception($"seed {seed}: solver says {result.Outcome}, brute force says solvable={expected}\n{Describe(universe, install)}");
            if (result.Solvable)
            {
                var violations = new SolutionChecker(universe).Violations(result.Solution, install);
                if (violations.Count > 0)
                    throw new Exception($"seed {seed}: {string.Join("; ", violations)}\n{Describe(universe, install)}");
            }
            else if (string.IsNullOrWhiteSpace(result.Explanation))
                throw new Exception($"seed {seed}: unsolvable without an explanation");
        }, iter: 3000);
    }

    /// <summary>
    /// With something installed (some of it manual), names to remove and a lock: the verdict equals brute force
    /// over rules 7-9 (locks, kept manual names, removals), and solutions honour them.
    /// </summary>
    [Fact]
    public void Installed_remove_and_lock_constraints_agree_with_brute_force()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var random = new Random(seed);
            var (universe, install) = RandomProblem(random);
            if (random.Next(2) == 0) install.Clear();
            var names = universe.Select(c => c.Name).Distinct().ToList();
            var installed = universe.GroupBy(c => c.Name).Where(_ => random.Next(2) == 0)
                .Select(g => g.ElementAt(random.Next(g.Count()))).Select(c => new PackageId(c.Name, c.Version)).ToList();
            var manual = installed.Where(_ => random.Next(2) == 0).Select(i => i.Name).ToList();
            var remove = names.Where(_ => random.Next(5) == 0).ToList();
            var locks = universe.Where(_ => random.Next(8) == 0).DistinctBy(c => c.Name).Select(c => new PackageId(c.Name, c.Version)).ToList();
            var request = new SolveRequest { Install = install, Installed = installed, ManuallyInstalled = manual, Remove = remove, Locks = locks };

            var kept = installed.Select(i => i.Name)
                .Where(n => (manual.Count == 0 || manual.Contains(n) || locks.Any(l => l.Name == n)) && !remove.Contains(n))
                .Distinct().ToList();
            bool Allowed(IReadOnlyList<Candidate> selection) =>
                kept.All(n => selection.Any(c => c.Name == n))
                && !selection.Any(c => remove.Contains(c.Name))
                && locks.All(l => selection.All(c => c.Name != l.Name || c.Version == l.Version));

            var result = Solver.Solve(new InMemoryPackageProvider(universe), request);
            bool expected = BruteForce.Solvable(universe, install, Allowed);
            string context = $"seed {seed}: installed [{string.Join(", ", installed)}] manual [{string.Join(", ", manual)}] " +
                             $"remove [{string.Join(", ", remove)}] locks [{string.Join(", ", locks)}]\n{Describe(universe, install)}";
            if (result.Solvable != expected)
                throw new Exception($"solver says {result.Outcome}, brute force says solvable={expected}; {context}");
            if (result.Solvable)
            {
                var violations = new SolutionChecker(universe).Violations(result.Solution, install);
                if (violations.Count > 0 || !Allowed(result.Solution))
                    throw new Exception($"invalid solution {string.Join(", ", result.Solution)}: {string.Join("; ", violations)}; {context}");
            }
        }, iter: 2000);
    }

    private static string Describe(List<Candidate> universe, List<Reference> install) =>
        "install " + string.Join(", ", install) + "\n" + string.Join("\n", universe.Select(c =>
            $"{c} depends [{string.Join("; ", c.Depends.Select(d => string.Join(" | ", d)))}] conflicts [{string.Join(", ", c.Conflicts)}] provides [{string.Join(", ", c.Provides)}]"));

    /// <summary>At most 6 names with at most 3 versions each, plus two virtual names only reachable through provides.</summary>
    public static (List<Candidate> Universe, List<Reference> Install) RandomProblem(Random random)
    {
        int names = random.Next(1, 7);
        string Name() => random.Next(8) < 6 || names < 2 ? $"p{random.Next(names)}" : $"v{random.Next(2)}";
        Reference Ref(int rangeChance)
        {
            string name = Name();
            if (random.Next(100) >= rangeChance) return new Reference(name, null);
            return new Reference(name, VersionRange.Parse(string.Format(Ranges[random.Next(Ranges.Length)], random.Next(1, 4))));
        }
        var universe = new List<Candidate>();
        for (int n = 0; n < names; n++)
        {
            var versions = Enumerable.Range(1, 3).Where(_ => random.Next(3) > 0).DefaultIfEmpty(1).ToList();
            foreach (var version in versions)
            {
                var depends = Enumerable.Range(0, random.Next(3))
                    .Select(_ => (IReadOnlyList<Reference>)Enumerable.Range(0, random.Next(1, 3)).Select(_ => Ref(40)).ToList())
                    .ToList();
                var conflicts = Enumerable.Range(0, random.Next(4) == 0 ? 1 : 0).Select(_ => Ref(40)).ToList();
                var provides = Enumerable.Range(0, random.Next(3) == 0 ? 1 : 0)
                    .Select(_ => new Provide(Name(), random.Next(2) == 0 ? null : new NuGetVersion(random.Next(1, 4), 0, 0)))
                    .ToList();
                universe.Add(new Candidate($"p{n}", new NuGetVersion(version, 0, 0), depends, conflicts, provides));
            }
        }
        var install = Enumerable.Range(0, random.Next(1, 3))
            .Select(_ =>
            {
                var name = $"p{random.Next(names)}";
                return random.Next(3) == 0
                    ? new Reference(name, VersionRange.Parse(string.Format(Ranges[random.Next(Ranges.Length)], random.Next(1, 4))))
                    : new Reference(name, null);
            })
            .ToList();
        return (universe, install);
    }
}
