using NuGet.Versioning;
using Stork.Format.Text;
using Stork.Client.Diagnostics;
using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Trust;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Operations;

/// <summary>What an install or remove decided, and what the installer did about it.</summary>
public sealed record OperationOutcome(string Guest, IReadOnlyList<DesiredPackage> Desired, InstallReport? Report, bool DryRun)
{
    /// <summary>For a dry run: every step the change would take (see <see cref="Planning.InstallPlanner"/>).</summary>
    public Planning.InstallPlan? Plan { get; init; }

    /// <summary>For a dry run: download size and installed-size change, from signed metadata.</summary>
    public ChangeSizes? Sizes { get; init; }

    /// <summary>Set by rollback: the generation returned to (printed as a rollback, not as an upgrade).</summary>
    public int? RolledBackTo { get; init; }
}

/// <summary>
/// Install and remove for one guest: refresh the signed metadata (once per object, i.e. per command), resolve with
/// the solver, then hand the full desired package set to the guest installer, which fetches blobs once per host.
/// </summary>
public sealed partial class PackageOperations(HostSession session, GuestInstaller installer)
{
    public async Task<OperationOutcome> InstallAsync(string guest, IReadOnlyList<string> requests, bool dryRun, CancellationToken cancellation)
    {
        if (requests.Count == 0) throw new RequestException("name at least one package to install");
        var (index, trusted) = await RefreshOnceAsync(dryRun, cancellation);
        var references = requests.Select(PackageRequestParser.Parse).ToList();
        foreach (var reference in references) RequireKnown(index, reference.Name);

        var installed = installer.ListInstalled(guest);
        var request = new SolveRequest
        {
            Install = references,
            Installed = installed.Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList(),
            ManuallyInstalled = installed.Where(p => p.Manual).Select(p => p.Name).ToList(),
            Locks = HeldLocks(guest, installed, references.Select(r => r.Name)),
        };
        var manual = installed.Where(p => p.Manual).Select(p => p.Name).Concat(references.Select(r => r.Name)).ToHashSet(StringComparer.Ordinal);
        return await ApplyAsync(guest, index, trusted, request, manual, dryRun, cancellation);
    }

    public async Task<OperationOutcome> RemoveAsync(string guest, IReadOnlyList<string> names, bool dryRun, CancellationToken cancellation)
    {
        if (names.Count == 0) throw new RequestException("name at least one package to remove");
        var installed = installer.ListInstalled(guest);
        foreach (var name in names)
            if (!installed.Any(p => p.Name == name))
                throw new RequestException($"{name} is not installed in guest {guest}{Suggest.DidYouMean(name, installed.Select(p => p.Name))}");
        // Removing needs nothing new: the stored signed metadata is enough while it is valid (no network).
        var (index, trusted) = await LocalOrRefreshAsync(cancellation);
        var request = new SolveRequest
        {
            Installed = installed.Select(p => new PackageId(p.Name, NuGetVersion.Parse(p.Version))).ToList(),
            ManuallyInstalled = installed.Where(p => p.Manual).Select(p => p.Name).ToList(),
            Remove = names,
            Locks = HeldLocks(guest, installed, names),
        };
        var manual = installed.Where(p => p.Manual && !names.Contains(p.Name)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return await ApplyAsync(guest, index, trusted, request, manual, dryRun, cancellation);
    }

    private async Task<OperationOutcome> ApplyAsync(string guest, PackageIndex index, TrustedMetadata trusted,
        SolveRequest request, HashSet<string> manual, bool dryRun, CancellationToken cancellation)
    {
        IReadOnlyList<DesiredPackage> desired;
        using (PhaseTimings.Measure("solve"))
            desired = DesiredSet.From(SolveForGuest(guest, index, request, cancellation), index, manual, guest);
        if (dryRun) return new OperationOutcome(guest, desired, null, true) { Plan = installer.Plan(guest, desired), Sizes = SizesOf(guest, desired, index) };
        RequireNothingNewFromExpired(guest, desired, trusted);
        if (Offline) RequireCached(guest, desired);
        var sizes = SizesOf(guest, desired, index);
        using var pin = installer.PinStore();
        using (PhaseTimings.Measure("prefetch blobs"))
            await BlobPrefetch.ForPlansAsync(session, installer, [(guest, desired)], index, trusted, cancellation);
        var report = await installer.ApplyAsync(guest, desired, new RepositoryBlobSource(session, index, trusted), cancellation, scripts: ScriptPolicyFor(guest, desired, index));
        return new OperationOutcome(guest, desired, report, false) { Sizes = sizes };
    }


    // One command changes all its guests against one verified view of the repository: refreshed once, not per guest.
    private (PackageIndex Index, TrustedMetadata Trusted)? _refreshed;

    /// <param name="dryRun">A dry run installs nothing: when the repository cannot be reached it plans from the stored metadata.</param>
    private Task<(PackageIndex Index, TrustedMetadata Trusted)> RefreshOnceAsync(bool dryRun, CancellationToken cancellation)
        => RefreshOnceAsync(fallBack: null, useStoredWhenUnreachable: dryRun, cancellation);

    /// <param name="fallBack">Stored metadata to use when the repository cannot be reached (already loaded by the caller).</param>
    private async Task<(PackageIndex Index, TrustedMetadata Trusted)> RefreshOnceAsync(
        (PackageIndex, TrustedMetadata)? fallBack, bool useStoredWhenUnreachable, CancellationToken cancellation)
    {
        if (_refreshed is { } done) return done;
        if (Offline) { _refreshed = LoadStored(); return _refreshed.Value; }
        try
        {
            var (index, trusted, _) = await session.RefreshIndexAsync(cancellation);
            _expired = false;
            WarnIfExpiringSoon(trusted);
            _refreshed = (index, trusted);
            return (index, trusted);
        }
        catch (FetchException e) when (useStoredWhenUnreachable)
        {
            // Unreachable (not untrusted): the stored metadata serves local work; nothing new is installed from it if expired.
            var stored = fallBack ?? TryLoadStored();
            if (stored is null) throw;
            OnWarning?.Invoke($"warning: the repository cannot be reached ({e.Message}); using the stored metadata");
            _refreshed = stored;
            return stored.Value;
        }
    }

    private (PackageIndex, TrustedMetadata)? TryLoadStored()
    {
        try { return LoadStored(); }
        catch (LocalException) { return null; }
    }

    internal static void RequireKnown(PackageIndex index, string name)
    {
        if (index.VersionsOf(name).Count > 0) return;
        var near = Suggest.Closest(name, index.Names);
        var providers = index.ProvidersOf(name).Select(c => c.Name).Distinct().Order(StringComparer.Ordinal).Take(3).ToList();
        var refused = index.Problems.FirstOrDefault(p => p.Contains($"packages/{name}/", StringComparison.Ordinal));
        if (refused is not null) throw new RequestException($"'{name}' cannot be installed: {refused}");
        var hint = providers.Count > 0 ? $"; it is provided by {string.Join(", ", providers)}"
            : near.Count > 0 ? $"; did you mean {string.Join(" or ", near)}?" : "";
        throw new RequestException($"no package named '{name}' in the repository{hint}");
    }
}
