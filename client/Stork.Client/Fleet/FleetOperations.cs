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
/// `stork-get apply` and one round of `stork-get agent`: refresh, read the signed fleet manifests, plan every guest of
/// this host, and only when every plan resolves, converge them one by one (blobs still come once per host through the
/// cache); then put back drifted files of the packages the fleet manages.
/// </summary>
public sealed class FleetOperations(HostSession session, GuestRegistry registry, GuestInstaller installer, GuestMaintenance? maintenance = null)
{
    /// <summary>The clock rollouts are judged by (not_before).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>One-shot `apply`: a plan failure throws (exit 5) with nothing changed; a guest failure throws after the others converged.</summary>
    public async Task<FleetOutcome> ApplyAsync(bool dryRun, CancellationToken cancellation)
    {
        var round = await RoundAsync(dryRun, skipPlanIfFingerprint: null, cancellation);
        if (round.PlanError is not null) throw new RequestException(round.PlanError);
        var failed = round.Guests.Where(g => g.Error is not null).ToList();
        if (failed.Count > 0)
            throw new GuestException(string.Join("\n  ", failed.Select(g => g.Error)));
        return new FleetOutcome(round.Host, round.Guests.Select(g => g.ToOutcome()).ToList(), [.. round.Problems, .. round.Deferred.Select(d => "deferred: " + d)], round.Manifests);
    }

    /// <summary>
    /// One round. Repository errors (unreachable, untrusted data) are thrown: nothing was changed by them and the
    /// caller retries. A plan failure (conflicting actions, unsolvable) is returned as <see cref="FleetRound.PlanError"/>,
    /// with drift still repaired; a guest that fails to converge is returned with its error while the others converge.
    /// </summary>
    /// <param name="skipPlanIfFingerprint">The fingerprint of a round whose plan failed: if nothing changed since, do not plan again.</param>
    public async Task<FleetRound> RoundAsync(bool dryRun, string? skipPlanIfFingerprint, CancellationToken cancellation)
    {
        var (index, trusted, refresh) = await session.RefreshAsync(cancellation);
        // The round's view of the repository ends with it: an agent waiting for the next round holds no read transaction.
        using var _ = index;
        var problems = new List<string>();
        var manifests = await ReadManifestsAsync(trusted, problems, cancellation);
        var planner = new FleetPlanner(manifests);
        var host = session.Config.Host ?? Environment.MachineName;
        var guests = registry.ListGuests().Select(g => g.Name).Order(StringComparer.Ordinal).ToList();
        var metadataVersion = $"{refresh.RootVersion}.{refresh.SnapshotVersion}";
        var fingerprint = $"{metadataVersion}:{string.Join(',', guests)}";

        var directives = planner.DirectivesFor(host, guests, Time.GetUtcNow());
        problems.AddRange(planner.Problems);
        var managed = directives.Where(d => d.Directives.Count > 0).Select(d => d.Guest).ToList();
        if (skipPlanIfFingerprint == fingerprint)
        {
            return new FleetRound(host, metadataVersion, fingerprint, manifests.Count, problems, planner.Deferred,
                await RepairOnlyAsync(guests, managed, dryRun, cancellation), null, PlanSkipped: true);
        }

        var plans = new List<(string Guest, IReadOnlyList<DesiredPackage> Desired)>();
        var failures = new List<string>();
        var unplannable = new List<GuestRound>();
        var keptByGuest = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var guest in directives)
        {
            try
            {
                var installed = installer.ListInstalled(guest.Guest);
                var adopted = installer.AdoptedInstalled(guest.Guest);
                var manualBefore = installed.Where(p => p.Manual || adopted.Contains(p.Name)).Select(p => p.Name).ToList();
                var (asked, keptAdopted) = KeepAdopted(guest, adopted, problems);
                var request = GuestRequestBuilder.Build(asked, installed.Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList(), manualBefore);
                var manual = request.ManuallyInstalled.Except(request.Remove).ToHashSet(StringComparer.Ordinal);
                var result = GuestSolve.Solve(installer, guest.Guest, index, request, cancellation); // a dpkg base image counts as for the CLI
                plans.Add((guest.Guest, DesiredSet.From(result, index, manual, guest.Guest, GuestRequestBuilder.Sources(guest))));
                if (keptAdopted.Count > 0) keptByGuest[guest.Guest] = keptAdopted;
            }
            catch (RequestException e)
            {
                failures.Add(e.Message);
            }
            catch (GuestException e)
            {
                // The guest itself is at fault (its declared dpkg base is gone, its root vanished): it waits, the others go on.
                unplannable.Add(new GuestRound(guest.Guest, null, null, [], Failure.Describe(e).Message, dryRun));
            }
        }
        // Nothing is half-applied: one guest that cannot be planned stops every change of the round (drift is still repaired).
        if (failures.Count > 0)
        {
            var error = $"the fleet manifests cannot be applied on host {host}; nothing was changed:\n  {string.Join("\n  ", failures)}";
            return new FleetRound(host, metadataVersion, fingerprint, manifests.Count, problems, planner.Deferred,
                await RepairOnlyAsync(guests, managed, dryRun, cancellation), error, PlanSkipped: false);
        }

        var rounds = new List<GuestRound>(unplannable);
        using var pin = dryRun ? null : installer.PinStore();
        if (!dryRun) await BlobPrefetch.ForPlansAsync(session, installer, plans, index, trusted, cancellation);
        foreach (var (guest, desired) in plans)
        {
            IReadOnlyList<string> kept = keptByGuest.GetValueOrDefault(guest) ?? [];
            if (dryRun) { rounds.Add(new GuestRound(guest, desired, null, [], null, true) { KeptAdopted = kept }); continue; }
            try
            {
                // Maintainer scripts under the same policy as the CLI's: the signing roles stork.json allows.
                var scripts = ScriptPolicy.For(session.Config.ScriptRoles,
                    desired.Select(p => (p.Name, p.Version)).Concat(installer.ListInstalled(guest).Select(p => (p.Name, p.Version))),
                    (name, version) => index.Find(name, version)?.Role, session.Config.ScriptTimeLimit);
                var report = await installer.ApplyAsync(guest, desired, new RepositoryBlobSource(session, index, trusted), cancellation, scripts: scripts);
                var repaired = managed.Contains(guest) ? await RepairOneAsync(guest, cancellation) : [];
                rounds.Add(new GuestRound(guest, desired, report, repaired, null, false) { KeptAdopted = kept });
            }
            catch (LocalException e) when (e is not RequestException)
            {
                // A guest-level problem (a file no package owns in the way, a bad root): this guest waits, the others go on.
                rounds.Add(new GuestRound(guest, desired, null, [], Failure.Describe(e).Message, false) { KeptAdopted = kept });
            }
        }
        return new FleetRound(host, metadataVersion, fingerprint, manifests.Count, problems, planner.Deferred, rounds, null, PlanSkipped: false);
    }

    /// <summary>
    /// Packages adopted from a guest's dpkg image are its base (HOST-STATE.md, "Adopting the image"): manifests need not
    /// list them, and they stay installed (as manual packages) whatever the manifests say. A remove of one is left out
    /// of the request (said once among the round's problems) rather than failing the guest every round.
    /// </summary>
    private static (GuestDirectives Asked, IReadOnlyList<string> Kept) KeepAdopted(GuestDirectives guest, IReadOnlySet<string> adopted, List<string> problems)
    {
        if (adopted.Count == 0) return (guest, []);
        var kept = new List<GuestDirective>();
        foreach (var directive in guest.Directives)
        {
            if (directive.Action.Kind == FleetActionKind.Remove && adopted.Contains(directive.Action.Package))
                problems.Add($"guest {guest.Guest}: {directive.Source} asks to {directive.Action}, but {directive.Action.Package} was adopted from the guest's dpkg image (its base); kept");
            else kept.Add(directive);
        }
        var wanted = kept.Select(d => d.Action.Package).ToHashSet(StringComparer.Ordinal);
        return (guest with { Directives = kept }, adopted.Where(n => !wanted.Contains(n)).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Drift repair alone (the plan failed or was skipped): every guest keeps its packages, files are put back.</summary>
    private async Task<List<GuestRound>> RepairOnlyAsync(IReadOnlyList<string> guests, IReadOnlyList<string> managed, bool dryRun, CancellationToken cancellation)
    {
        var rounds = new List<GuestRound>();
        foreach (var guest in guests)
        {
            if (dryRun || !managed.Contains(guest)) { rounds.Add(new GuestRound(guest, null, null, [], null, dryRun)); continue; }
            try { rounds.Add(new GuestRound(guest, null, null, await RepairOneAsync(guest, cancellation), null, false)); }
            catch (LocalException e) when (e is not RequestException) { rounds.Add(new GuestRound(guest, null, null, [], Failure.Describe(e).Message, false)); }
        }
        return rounds;
    }

    /// <summary>apply converges files too: what a managed package installed and is now missing or changed comes back from the store.</summary>
    private async Task<IReadOnlyList<string>> RepairOneAsync(string guest, CancellationToken cancellation)
        => maintenance is null ? [] : await maintenance.RepairAsync(guest, cancellation);

    /// <summary>Fleet manifests are targets under fleet/; each is fetched once and checked like any blob.</summary>
    private async Task<List<SignedManifest>> ReadManifestsAsync(TrustedMetadata trusted, List<string> problems, CancellationToken cancellation)
    {
        var manifests = new List<SignedManifest>();
        foreach (var found in TargetSearch.AllTrusted(trusted))
        {
            if (!found.Path.StartsWith(FleetNames.TargetPrefix, StringComparison.Ordinal) || !found.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            var id = BlobId.Of(found.File, found.Path);
            var url = session.Updater.TargetUrl(found.Path, id, trusted.Root.ConsistentSnapshot);
            var path = await session.Blobs.GetAsync(id, found.File, url, cancellation);
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
