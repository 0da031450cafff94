namespace Stork.Resolver;

/// <summary>The resolver's one entry point. Pure: data in, data out, no I/O.</summary>
public static class Solver
{
    /// <summary>Solves one request. To solve many against the same provider, a <see cref="SolverSession"/> is faster.</summary>
    public static SolveResult Solve(IPackageProvider provider, SolveRequest request, CancellationToken cancellation = default)
        => new SolverSession(provider).Solve(request, cancellation);
}
