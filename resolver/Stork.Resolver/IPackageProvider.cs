using Stork.Resolver.Model;

namespace Stork.Resolver;

/// <summary>
/// Lazy access to the package universe. The solver asks only for the names it touches,
/// so a client can load metadata on demand. Implementations must be deterministic.
/// </summary>
public interface IPackageProvider
{
    /// <summary>Every version of the package with exactly this name (any order).</summary>
    IReadOnlyList<Candidate> CandidatesNamed(string name);

    /// <summary>Every candidate (of any name) that has a provide of this name.</summary>
    IReadOnlyList<Candidate> ProvidersOf(string name);
}
