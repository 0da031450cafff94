using Stork.Resolver.Model;

namespace Stork.Resolver.Tests;

/// <summary>Enumerates every selection (per name: nothing or one of its versions) and asks the checker. Tiny universes only.</summary>
public static class BruteForce
{
    public static bool Solvable(IReadOnlyList<Candidate> universe, IReadOnlyList<Reference> install) =>
        Solvable(universe, install, _ => true);

    /// <summary>Whether some selection meets rules 1-5 and the extra request constraints in <paramref name="allowed"/>.</summary>
    public static bool Solvable(IReadOnlyList<Candidate> universe, IReadOnlyList<Reference> install, Func<List<Candidate>, bool> allowed)
    {
        var checker = new SolutionChecker(universe);
        var byName = universe.GroupBy(c => c.Name).Select(g => g.ToArray()).ToArray();
        var choice = new int[byName.Length]; // 0 = absent, k = k-th version
        while (true)
        {
            var selection = new List<Candidate>();
            for (int i = 0; i < byName.Length; i++)
                if (choice[i] > 0) selection.Add(byName[i][choice[i] - 1]);
            if (checker.IsValid(selection, install) && allowed(selection)) return true;
            int position = 0;
            while (position < byName.Length && ++choice[position] > byName[position].Length) choice[position++] = 0;
            if (position == byName.Length) return false;
        }
    }
}
