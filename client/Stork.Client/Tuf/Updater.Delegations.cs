using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

/// <summary>
/// Delegated targets roles (SPEC.md §3.3 step 5, §5.3). Every role is verified per delegation edge
/// (role, delegator): a role delegated by both A and B is trusted through A only if A's keys for it reach A's
/// threshold, and through B only if B's do. The bytes are fetched once per update and re-checked per edge.
/// </summary>
public sealed partial class Updater
{
    /// <summary>
    /// Loads every delegated targets role reachable from top-level targets (depth-first, pre-order, each edge once, at
    /// most <see cref="TargetSearch.DefaultMaxRoles"/> edges): stored copies are reused when they are exactly what the
    /// snapshot names, so an unchanged hash bin costs nothing. An edge whose delegator's keys do not sign the role
    /// stays untrusted (the search never passes through it); a role that verifies through no edge at all is an error.
    /// </summary>
    public Task LoadAllDelegationsAsync(TrustedMetadata trusted, CancellationToken cancellation)
        => VisitAllDelegationEdgesAsync(trusted, (role, delegator) => LoadDelegatedAsync(trusted, role, delegator, cancellation));

    /// <summary>Verifies and loads every stored delegated role reachable from targets, per delegation edge (no network).</summary>
    public void LoadStoredDelegations(TrustedMetadata trusted)
    {
        try
        {
            VisitAllDelegationEdgesAsync(trusted, (role, delegator) =>
            {
                if (trusted.TryTrustVerifiedCopy(role, delegator)) return Task.CompletedTask;
                var bytes = _store.Read(role)
                    ?? throw new LocalException($"the stored metadata of role {role} is missing; run 'stork-get refresh'");
                trusted.UpdateDelegatedTargets(bytes, role, delegator);
                return Task.CompletedTask;
            }).GetAwaiter().GetResult();
        }
        catch (RepositoryException e)
        {
            throw new LocalException($"the stored metadata is stale ({e.Message}); run 'stork-get refresh'");
        }
    }

    /// <summary>Pre-order walk over every delegation edge; each role's children are read once, after it verified.</summary>
    private static async Task VisitAllDelegationEdgesAsync(TrustedMetadata trusted, Func<string, string, Task> load)
    {
        var expanded = new HashSet<string>(StringComparer.Ordinal) { RoleNames.Targets };
        var edges = new HashSet<(string, string)>();
        var unsigned = new List<(string Role, UnsignedMetadataException Error)>();
        var stack = new Stack<(string Role, string Delegator)>();
        void PushChildren(string role, TargetsMetadata metadata)
        {
            var roles = metadata.Delegations?.Roles ?? [];
            for (int i = roles.Count - 1; i >= 0; i--) stack.Push((roles[i].Name, role));
        }
        PushChildren(RoleNames.Targets, trusted.Targets!);
        while (stack.Count > 0 && edges.Count < TargetSearch.DefaultMaxRoles)
        {
            var (role, delegator) = stack.Pop();
            if (!edges.Add((role, delegator))) continue;
            try
            {
                await load(role, delegator);
            }
            catch (UnsignedMetadataException e)
            {
                // Not signed for this delegator: the edge stays untrusted. Decided at the end whether any edge vouches.
                unsigned.Add((role, e));
                continue;
            }
            if (expanded.Add(role) && trusted.TargetsOf(role, delegator) is { } metadata) PushChildren(role, metadata);
        }
        foreach (var (role, error) in unsigned)
            if (!trusted.HasVerifiedCopy(role)) throw error;
    }

    /// <summary>The TUF target search for one path (TUF §5.6.7), loading exactly the edges the search visits.</summary>
    public async Task<FoundTarget?> FindTargetAsync(TrustedMetadata trusted, string targetPath, CancellationToken cancellation)
    {
        // The walk itself is synchronous: find the first visited edge not loaded yet, load it (or fail), walk again.
        while (true)
        {
            string? missing = null, missingDelegator = null;
            foreach (var (role, delegator) in TargetSearch.RolesToVisit(trusted.TargetsOf, targetPath))
            {
                if (trusted.TargetsOf(role, delegator) is null) { missing = role; missingDelegator = delegator; break; }
            }
            if (missing is null) return TargetSearch.Find(trusted.TargetsOf, targetPath);
            if (missingDelegator is null) return null;   // top-level targets missing: cannot happen after a refresh
            await LoadDelegatedAsync(trusted, missing, missingDelegator, cancellation);
        }
    }

    /// <summary>What an update of the package index needs (<see cref="PackageIndexUpdate"/>): stored copies, one role
    /// verified through targets, the target search and, to rebuild a damaged index, every stored role.</summary>
    public PackageIndexUpdate.Client IndexUpdateClient(TrustedMetadata trusted, CancellationToken cancellation)
        => new(_store.Read, role => LoadDelegatedAsync(trusted, role, RoleNames.Targets, cancellation),
            path => FindTargetAsync(trusted, path, cancellation), () => LoadStoredDelegations(trusted));

    private async Task LoadDelegatedAsync(TrustedMetadata trusted, string role, string delegator, CancellationToken cancellation)
    {
        // Bytes already verified in this update through another delegator: only this delegator's keys remain to check.
        if (trusted.TryTrustVerifiedCopy(role, delegator)) return;
        if (_store.Read(role) is { } local)
        {
            try
            {
                trusted.UpdateDelegatedTargets(local, role, delegator);
                return;
            }
            catch (RepositoryException)
            {
                _store.Delete(role);
            }
        }
        if (!trusted.Snapshot!.Meta.TryGetValue($"{role}.json", out var meta))
            throw new MetadataFormatException($"snapshot version {trusted.Snapshot.Header.Version} does not list {role}.json");
        var escaped = Uri.EscapeDataString(role);
        var name = trusted.Root.ConsistentSnapshot ? $"{meta.Version}.{escaped}.json" : $"{escaped}.json";
        var bytes = await FetchMetadataAsync(name, meta.Length ?? _limits.TargetsMaxBytes, cancellation);
        trusted.UpdateDelegatedTargets(bytes, role, delegator);
        _store.Write(role, bytes);
    }
}
