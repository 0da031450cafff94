using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Resolver;

namespace Stork.Client.Operations;

/// <summary>
/// Solving for one guest, the same for the CLI and the fleet agent. A guest with a dpkg base image
/// (/var/lib/dpkg/status, re-read now because the guest's admin may have run apt; see <see cref="DpkgBase"/>) has the
/// image's packages installed and locked: they meet dependencies, are never installed, upgraded or removed by Stork,
/// and are left out of the desired set.
/// </summary>
public static class GuestSolve
{
    public static SolveResult Solve(GuestInstaller installer, string guest, PackageIndex index, SolveRequest request, CancellationToken cancellation)
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
}
