namespace Stork.Resolver;

/// <summary>The resolver's one entry point. Pure: data in, data out, no I/O.</summary>
public static class Solver
{
    public static SolveResult Solve(IPackageProvider provider, SolveRequest request, CancellationToken cancellation = default)
        => throw new NotImplementedException("the CDCL solver lands with the resolver issue");
}
