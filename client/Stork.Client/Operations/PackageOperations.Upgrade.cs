using NuGet.Versioning;
using Stork.Format.Text;
using Stork.Client.State;
using Stork.Format.Errors;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Operations;

/// <summary>One installed package the solver would move: the version now and the one <c>upgrade</c> picks.</summary>
public sealed record Upgradable(string Guest, string Name, string Installed, string Candidate, bool Held);

public sealed partial class PackageOperations
{
    /// <summary>
    /// Moves the named packages (all installed ones when none is named) to the newest versions the request rules
    /// allow: stable versions unless a prerelease is installed, held packages stay where they are.
    /// </summary>
    public async Task<OperationOutcome> UpgradeAsync(string guest, IReadOnlyList<string> names, bool dryRun, CancellationToken cancellation)
    {
        var installed = installer.ListInstalled(guest);
        foreach (var name in names)
            if (!installed.Any(p => p.Name == name))
                throw new RequestException($"{name} is not installed in guest {guest}{Suggest.DidYouMean(name, installed.Select(p => p.Name))}");
        var (index, trusted) = await RefreshOnceAsync(dryRun, cancellation);
        var request = UpgradeRequest(guest, installed, names);
        var manual = installed.Where(p => p.Manual).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return await ApplyAsync(guest, index, trusted, request, manual, dryRun, cancellation);
    }

    /// <summary>What <c>upgrade</c> would change in a guest, from the stored signed metadata (no network).</summary>
    public IReadOnlyList<Upgradable> ListUpgradable(string guest)
    {
        var (index, _) = _refreshed ??= LoadStored();
        var installed = installer.ListInstalled(guest);
        var held = Holds.Of(guest);
        var result = Solver.Solve(index, UpgradeRequest(guest, installed, []));
        if (!result.Solvable) throw new RequestException($"guest {guest}: {result.Explanation ?? "upgrading cannot be solved"}", DesiredSet.StepsOf(result));
        var chosen = result.Solution.ToDictionary(c => c.Name, c => c.Version, StringComparer.Ordinal);
        var list = new List<Upgradable>();
        foreach (var p in installed)
        {
            var now = NuGetVersion.Parse(p.Version);
            // Held packages are listed with the version upgrade would pick if they were not held.
            var newest = held.Contains(p.Name) ? NewestAllowed(index, p.Name, now) : chosen.GetValueOrDefault(p.Name);
            if (newest is not null && newest > now) list.Add(new Upgradable(guest, p.Name, p.Version, newest.ToFullString(), held.Contains(p.Name)));
        }
        return list;
    }

    /// <summary>The version a plain <c>install NAME</c> picks: the newest stable one (a prerelease only when asked for).</summary>
    public static NuGetVersion? PlainInstallPick(Packages.PackageIndex index, string name)
        => index.VersionsOf(name).Select(e => e.Candidate.Version).Where(v => !DebianMappedVersions.IsHeldBackPrerelease(v)).DefaultIfEmpty().Max();

    private static NuGetVersion? NewestAllowed(Packages.PackageIndex index, string name, NuGetVersion installed)
        => index.VersionsOf(name).Select(e => e.Candidate.Version).Where(v => !v.IsPrerelease || installed.IsPrerelease).DefaultIfEmpty().Max();

    private SolveRequest UpgradeRequest(string guest, IReadOnlyList<InstalledPackage> installed, IReadOnlyList<string> names) => new()
    {
        Installed = installed.Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList(),
        ManuallyInstalled = installed.Where(p => p.Manual).Select(p => p.Name).ToList(),
        Upgrade = names.ToList(),
        UpgradeAll = names.Count == 0,
        Locks = HeldLocks(guest, installed, names),
    };

    private HoldList? _holds;
    private HoldList Holds => _holds ??= HoldList.Load(session.Paths);

    /// <summary>Held packages keep their installed version; naming a held package explicitly is refused.</summary>
    private List<PackageId> HeldLocks(string guest, IReadOnlyList<InstalledPackage> installed, IEnumerable<string> named)
    {
        var held = Holds.Of(guest);
        foreach (var name in named)
            if (held.Contains(name))
                throw new RequestException($"{name} is held in guest {guest}; run 'stork-get unhold {name} --guest {guest}' first");
        return installed.Where(p => held.Contains(p.Name)).Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList();
    }
}
