using System.Diagnostics;
using NuGet.Versioning;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Solve;

/// <summary>The "is every package installable on its own" sweep: one job per package, pinned to its exact version.</summary>
internal static class Installability
{
    public static (double ElapsedMs, int Uninstallable) SolveEachPackage(SolverSession session, IReadOnlyList<Candidate> candidates, TimeSpan? limit)
    {
        int uninstallable = 0;
        var clock = Stopwatch.StartNew();
        foreach (var candidate in candidates)
        {
            var exact = new VersionRange(candidate.Version, true, candidate.Version, true);
            var result = session.Solve(new SolveRequest { Install = [new Reference(candidate.Name, exact)], TimeLimit = limit });
            if (!result.Solvable) uninstallable++;
        }
        return (clock.Elapsed.TotalMilliseconds, uninstallable);
    }
}
