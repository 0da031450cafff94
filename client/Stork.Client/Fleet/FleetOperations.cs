using NuGet.Versioning;
using Stork.Client.Guests;
using Stork.Client.Operations;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Fleet;
using Stork.Format.Trust;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Fleet;

/// <summary>What `apply` decided for every guest of this host, and what it changed.</summary>
public sealed record FleetOutcome(string Host, IReadOnlyList<OperationOutcome> Guests, IReadOnlyList<string> Problems, int Manifests);

/// <summary>
/// `stork-get apply`: refresh, read the signed fleet manifests, plan every guest of this host, and only when every
/// plan resolves, converge them one by one (blobs still come once per host through the cache).
/// </summary>
public sealed class FleetOperations(HostSession session, GuestRegistry registry, GuestInstaller installer)
{
    public async Task<FleetOutcome> ApplyAsync(bool dryRun, CancellationToken cancellation)
    {
        var (index, trusted, _) = await session.RefreshAsync(cancellation);
        var problems = new List<string>();
        var manifests = await ReadManifestsAsync(trusted, problems, cancellation);
        var planner = new FleetPlanner(manifests);
        var host = session.Config.Host ?? Environment.MachineName;
        var guests = registry.ListGuests().Select(g => g.Name).ToList();

        var plans = new List<(string Guest, IReadOnlyList<DesiredPackage> Desired)>();
        var failures = new List<string>();
        foreach (var directives in planner.DirectivesFor(host, guests))
        {
            try
            {
                var installed = installer.ListInstalled(directives.Guest);
                var manualBefore = installed.Where(p => p.Manual).Select(p => p.Name).ToList();
                var request = GuestRequestBuilder.Build(directives, installed.Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList(), manualBefore);
                var manual = request.ManuallyInstalled.Except(request.Remove).ToHashSet(StringComparer.Ordinal);
                var result = Solver.Solve(index, request, cancellation);
                plans.Add((directives.Guest, DesiredSet.From(result, index, manual, directives.Guest, GuestRequestBuilder.Sources(directives))));
            }
            catch (RequestException e)
            {
                failures.Add(e.Message);
            }
        }
        problems.AddRange(planner.Problems);
        // Nothing is half-applied: one guest that cannot be planned stops the whole run before any change.
        if (failures.Count > 0)
            throw new RequestException($"the fleet manifests cannot be applied on host {host}; nothing was changed:\n  {string.Join("\n  ", failures)}");

        var outcomes = new List<OperationOutcome>();
        if (!dryRun) await BlobPrefetch.ForPlansAsync(session, installer, plans, index, trusted, cancellation);
        foreach (var (guest, desired) in plans)
        {
            if (dryRun) { outcomes.Add(new OperationOutcome(guest, desired, null, true)); continue; }
            var report = await installer.ApplyAsync(guest, desired, new RepositoryBlobSource(session, index, trusted), cancellation);
            outcomes.Add(new OperationOutcome(guest, desired, report, false));
        }
        return new FleetOutcome(host, outcomes, problems, manifests.Count);
    }

    /// <summary>Fleet manifests are targets under fleet/; each is fetched once and checked like any blob.</summary>
    private async Task<List<SignedManifest>> ReadManifestsAsync(TrustedMetadata trusted, List<string> problems, CancellationToken cancellation)
    {
        var manifests = new List<SignedManifest>();
        foreach (var found in TargetSearch.AllTrusted(trusted))
        {
            if (!found.Path.StartsWith(FleetNames.TargetPrefix, StringComparison.Ordinal) || !found.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            var url = session.Updater.TargetUrl(found.Path, found.File.Sha256, trusted.Root.ConsistentSnapshot);
            var path = await session.Blobs.GetAsync(found.File.Sha256, found.File.Length, url, cancellation);
            try
            {
                manifests.Add(new SignedManifest(found.Path, found.Role, FleetManifest.Parse(await File.ReadAllBytesAsync(path, cancellation), found.Path)));
            }
            catch (FormatException e)
            {
                problems.Add($"{found.Path}: {e.Message}; ignored");
            }
        }
        return manifests;
    }
}
