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
    public async Task LoadAllDelegationsAsync(TrustedMetadata trusted, CancellationToken cancellation)
    {
        var walk = new DelegationEdgeWalk(trusted);
        while (walk.Next() is { } edge)
        {
            var (role, delegator) = edge;
            try
            {
                await LoadDelegatedAsync(trusted, role, delegator, cancellation);
            }
            catch (UnsignedMetadataException e)
            {
                walk.Unsigned(role, e);
                continue;
            }
            walk.Loaded(role, delegator);
        }
        walk.Finish();
    }

    /// <summary>Verifies and loads every stored delegated role reachable from targets, per delegation edge (no network).</summary>
    public void LoadStoredDelegations(TrustedMetadata trusted)
    {
        try
        {
            var walk = new DelegationEdgeWalk(trusted);
            while (walk.Next() is { } edge)
            {
                var (role, delegator) = edge;
                try
                {
                    if (!trusted.TryTrustVerifiedCopy(role, delegator))
                        trusted.UpdateDelegatedTargets(_store.Read(role)
                            ?? throw new LocalException($"the stored metadata of role {role} is missing; run 'stork-get refresh'"), role, delegator);
                }
                catch (UnsignedMetadataException e)
                {
                    walk.Unsigned(role, e);
                    continue;
                }
                walk.Loaded(role, delegator);
            }
            walk.Finish();
        }
        catch (RepositoryException e)
        {
            throw new LocalException($"the stored metadata is stale ({e.Message}); run 'stork-get refresh'");
        }
    }

    /// <summary>
    /// Pre-order walk over every delegation edge (at most <see cref="TargetSearch.DefaultMaxRoles"/>); each role's
    /// children are read once, after it verified. The caller loads each edge, synchronously or not, and reports back.
    /// </summary>
    private sealed class DelegationEdgeWalk
    {
        private readonly TrustedMetadata _trusted;
        private readonly HashSet<string> _expanded = new(StringComparer.Ordinal) { RoleNames.Targets };
        private readonly HashSet<(string, string)> _edges = [];
        private readonly List<(string Role, UnsignedMetadataException Error)> _unsigned = [];
        private readonly Stack<(string Role, string Delegator)> _stack = new();

        public DelegationEdgeWalk(TrustedMetadata trusted)
        {
            _trusted = trusted;
            PushChildren(RoleNames.Targets, trusted.Targets!);
        }

        /// <summary>The next edge not visited yet, or null when the walk is over.</summary>
        public (string Role, string Delegator)? Next()
        {
            while (_stack.Count > 0 && _edges.Count < TargetSearch.DefaultMaxRoles)
            {
                var edge = _stack.Pop();
                if (_edges.Add(edge)) return edge;
            }
            return null;
        }

        /// <summary>The edge verified: its role's children are walked next (once per role).</summary>
        public void Loaded(string role, string delegator)
        {
            if (_expanded.Add(role) && _trusted.TargetsOf(role, delegator) is { } metadata) PushChildren(role, metadata);
        }

        /// <summary>Not signed for this delegator: the edge stays untrusted. Decided at the end whether any edge vouches.</summary>
        public void Unsigned(string role, UnsignedMetadataException error) => _unsigned.Add((role, error));

        /// <summary>Fails on a role that verified through no edge at all.</summary>
        public void Finish()
        {
            foreach (var (role, error) in _unsigned)
                if (!_trusted.HasVerifiedCopy(role)) throw error;
        }

        private void PushChildren(string role, TargetsMetadata metadata)
        {
            var roles = metadata.Delegations?.Roles ?? [];
            for (int i = roles.Count - 1; i >= 0; i--) _stack.Push((roles[i].Name, role));
        }
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
