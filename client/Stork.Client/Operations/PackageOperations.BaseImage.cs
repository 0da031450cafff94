using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Resolver;

namespace Stork.Client.Operations;

public sealed partial class PackageOperations
{
    /// <summary>
    /// Solves for one guest. A guest with a dpkg base image (/var/lib/dpkg/status, re-read now because the guest's
    /// admin may have run apt) has the image's packages installed and locked: they meet dependencies, are never
    /// installed, upgraded or removed by Stork, and are left out of the desired set.
    /// </summary>
    private SolveResult SolveForGuest(string guest, PackageIndex index, SolveRequest request, CancellationToken cancellation)
    {
        var storkNames = request.Installed.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        // Stork's own packages are registered in the guest's dpkg database too (for apt); they stay Stork's.
        var image = installer.ReadBaseImage(guest)?.Where(p => !storkNames.Contains(p.Name)).ToList();
        if (image is null || image.Count == 0) return Solver.Solve(index, request, cancellation);
        var provider = new BaseImageProvider(index, image);
        var locked = provider.Locked;
        var withImage = request with
        {
            Installed = [.. request.Installed, .. locked],
            Locks = [.. request.Locks, .. locked],
            ManuallyInstalled = request.ManuallyInstalled.Count == 0 ? [] : [.. request.ManuallyInstalled, .. provider.Names],
        };
        var result = Solver.Solve(provider, withImage, cancellation);
        return result.Solvable ? result with { Solution = result.Solution.Where(c => !provider.Has(c.Name)).ToList() } : result;
    }

    /// <summary>The packages of the desired set whose signing role this host lets run maintainer scripts; null when none may.</summary>
    private ScriptPolicy? ScriptPolicyFor(string guest, IReadOnlyList<DesiredPackage> desired, PackageIndex index)
    {
        if (session.Config.ScriptRoles is not { Count: > 0 } roles) return null;
        // Leaving packages count too: their prerm and postrm run when they go.
        return ScriptPolicy.For(roles, desired.Select(p => (p.Name, p.Version)).Concat(installer.ListInstalled(guest).Select(p => (p.Name, p.Version))),
            (name, version) => index.Find(name, version)?.Role);
    }
}
