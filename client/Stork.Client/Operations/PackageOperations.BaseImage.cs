using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Resolver;

namespace Stork.Client.Operations;

public sealed partial class PackageOperations
{
    private SolveResult SolveForGuest(string guest, PackageIndex index, SolveRequest request, CancellationToken cancellation) =>
        GuestSolve.Solve(installer, guest, index, request, cancellation);

    /// <summary>The packages of the desired set whose signing role this host lets run maintainer scripts; null when none may.</summary>
    private ScriptPolicy? ScriptPolicyFor(string guest, IReadOnlyList<DesiredPackage> desired, PackageIndex index)
    {
        if (session.Config.ScriptRoles is not { Count: > 0 } roles) return null;
        // Leaving packages count too: their prerm and postrm run when they go.
        return ScriptPolicy.For(roles, desired.Select(p => (p.Name, p.Version)).Concat(installer.ListInstalled(guest).Select(p => (p.Name, p.Version))),
            (name, version) => index.Find(name, version)?.Role, session.Config.ScriptTimeLimit);
    }
}
