using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// A place in the delegation tree: the role's name, who delegated it, the keys that may sign it, and the
/// delegations leading to it from the top-level targets role (empty for targets itself).
/// </summary>
public sealed record RoleSlot(
    string Name,
    string? Delegator,
    IReadOnlyDictionary<string, PublicKey> Keys,
    RoleKeys Authorisation,
    IReadOnlyList<DelegatedRole> Chain)
{
    public DelegatedRole? Delegation => Chain.Count == 0 ? null : Chain[^1];
    public bool Allows(string targetPath) => TargetPathRules.CoveredByChain(Chain, targetPath);
    public bool Allows(string targetPath, string pathHash) => TargetPathRules.CoveredByChain(Chain, targetPath, pathHash);
}

public sealed record WalkedRole(RoleSlot Slot, TargetsMetadata Metadata)
{
    public string Name => Slot.Name;
}

/// <summary>
/// Walks the targets delegation graph the way TUF clients search it: depth-first, pre-order, each role at
/// most once (a visited set stops cycles). The loader decides where metadata comes from (the publisher's
/// own tree, or files checked against the snapshot) and returns null for a role it could not use.
/// </summary>
public static class PublisherDelegationWalk
{
    /// <summary>Every reachable role, targets first, in pre-order.</summary>
    public static List<WalkedRole> All(RootMetadata root, Func<RoleSlot, TargetsMetadata?> load)
    {
        var result = new List<WalkedRole>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        void Visit(RoleSlot slot)
        {
            if (!visited.Add(slot.Name)) return;
            var metadata = load(slot);
            if (metadata is null) return;
            result.Add(new WalkedRole(slot, metadata));
            foreach (var child in Children(slot, metadata)) Visit(child);
        }
        Visit(TopLevel(root));
        return result;
    }

    /// <summary>
    /// The role a client would take <paramref name="targetPath"/> from, and its entry; null when no role lists it.
    /// Only delegations covering the path are followed; a terminating one ends the search even if it had nothing.
    /// </summary>
    public static (WalkedRole Role, TargetFile Target)? Search(RootMetadata root, Func<RoleSlot, TargetsMetadata?> load, string targetPath, int maxRoles = 4096)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        (WalkedRole, TargetFile)? found = null;
        bool stop = false;
        void Visit(RoleSlot slot)
        {
            if (stop || visited.Count >= maxRoles || !visited.Add(slot.Name)) return;
            var metadata = load(slot);
            if (metadata is null) return;
            if (metadata.Targets.TryGetValue(targetPath, out var target)) { found = (new WalkedRole(slot, metadata), target); stop = true; return; }
            foreach (var child in Children(slot, metadata))
            {
                if (!TargetPathRules.Covers(child.Delegation!, targetPath)) continue;
                Visit(child);
                if (stop) return;
                if (child.Delegation!.Terminating) { stop = true; return; }
            }
        }
        Visit(TopLevel(root));
        return found;
    }

    /// <summary>
    /// The roles <see cref="Search"/> would visit for <paramref name="targetPath"/> if none of them listed it, in
    /// order, from their delegations alone (<paramref name="loadHeader"/> may return roles without targets). The
    /// search takes a path from the first of them that lists it, so a caller can look the path up later, one role
    /// at a time, and get the same answer.
    /// </summary>
    public static List<RoleSlot> SearchOrder(RootMetadata root, Func<RoleSlot, TargetsMetadata?> loadHeader, string targetPath, int maxRoles = 4096)
        => SearchOrder(root, loadHeader, targetPath, TargetPathRules.PathHash(targetPath), maxRoles);

    /// <param name="pathHash">The path's hash (<see cref="TargetPathRules.PathHash"/>), computed once: with hash bins a
    /// role delegates to hundreds of roles, and only the matching ones are looked at (the client's indexed look-up).</param>
    public static List<RoleSlot> SearchOrder(RootMetadata root, Func<RoleSlot, TargetsMetadata?> loadHeader, string targetPath, string pathHash, int maxRoles = 4096)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<RoleSlot>();
        bool stop = false;
        void Visit(RoleSlot slot)
        {
            if (stop || visited.Count >= maxRoles || !visited.Add(slot.Name)) return;
            var header = loadHeader(slot);
            if (header is null) return;
            order.Add(slot);
            if (header.Delegations is not { } delegations) return;
            // The covering delegations in listed order, up to and including the first terminating one.
            foreach (var role in DelegationPaths.MatchingRoles(delegations, targetPath, pathHash))
            {
                Visit(new RoleSlot(role.Name, slot.Name, delegations.Keys, role.Keys, [.. slot.Chain, role]));
                if (stop) return;
                if (role.Terminating) { stop = true; return; }
            }
        }
        Visit(TopLevel(root));
        return order;
    }

    public static RoleSlot TopLevel(RootMetadata root)
        => new(RoleNames.Targets, RoleNames.Root, root.Keys, root.Role(RoleNames.Targets), []);

    public static IEnumerable<RoleSlot> Children(RoleSlot parent, TargetsMetadata metadata)
    {
        if (metadata.Delegations is not { } delegations) yield break;
        foreach (var role in delegations.Roles)
            yield return new RoleSlot(role.Name, parent.Name, delegations.Keys, role.Keys, [.. parent.Chain, role]);
    }
}
