using Stork.Format.Metadata;

namespace Stork.Format.Trust;

/// <summary>A target found by the delegation search, with the role that signed it.</summary>
public sealed record FoundTarget(string Path, TargetFile File, string Role);

/// <summary>
/// The TUF targets search (§5.6.7) over verified roles: depth-first, pre-order from <c>targets</c>, each delegation in
/// listed order, a visited set of role names against cycles, a cap on roles visited, and a matching "terminating"
/// delegation ending the search below its delegator. Each step looks its role up by (role, delegator): a role is only
/// used through a delegation whose keys verified it (diamond delegations, SPEC.md §5.3). A step whose edge is not
/// available (not loaded, or not verified through that delegator) ends the search without a result: the search may
/// never fall through to a role the spec's walk would not have reached.
/// </summary>
public static class TargetSearch
{
    public const int DefaultMaxRoles = 4096;

    /// <summary>
    /// The (role, delegator) steps a search for <paramref name="targetPath"/> takes, in order. The delegator of
    /// <c>targets</c> is null. The walk ends after the first step whose lookup is null.
    /// </summary>
    public static IEnumerable<(string Role, string? Delegator)> RolesToVisit(Func<string, string?, TargetsMetadata?> lookup, string targetPath, int maxRoles = DefaultMaxRoles)
        => Walk(lookup, targetPath, maxRoles);

    /// <summary>Finds the trusted entry for one path, or null when the walk does not reach a role listing it.</summary>
    public static FoundTarget? Find(Func<string, string?, TargetsMetadata?> lookup, string targetPath, int maxRoles = DefaultMaxRoles)
    {
        foreach (var (role, delegator) in Walk(lookup, targetPath, maxRoles))
        {
            if (lookup(role, delegator) is not { } metadata) return null;
            if (metadata.Targets.TryGetValue(targetPath, out var file)) return new FoundTarget(targetPath, file, role);
        }
        return null;
    }

    /// <summary>
    /// Every target listed by the loaded roles that the search for its own path accepts (so an entry counts only when
    /// its role is the one the walk reaches first for that path, through delegators whose keys verified it).
    /// Cost: one walk per listed path; with hash bins that is two role look-ups and one hashed prefix probe.
    /// </summary>
    public static IReadOnlyList<FoundTarget> AllTrusted(TrustedMetadata trusted, int maxRoles = DefaultMaxRoles)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listing in trusted.LoadedTargetsListings) paths.UnionWith(listing.Targets.Keys);
        var found = new List<FoundTarget>(paths.Count);
        foreach (var path in paths)
            if (Find(trusted.TargetsOf, path, maxRoles) is { } hit) found.Add(hit);
        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return found;
    }

    private static IEnumerable<(string Role, string? Delegator)> Walk(Func<string, string?, TargetsMetadata?> lookup, string targetPath, int maxRoles)
    {
        var pathHash = DelegationPaths.PathHash(targetPath);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Role, string? Delegator)>();
        stack.Push((RoleNames.Targets, null));
        while (stack.Count > 0 && visited.Count < maxRoles)
        {
            var (role, delegator) = stack.Pop();
            if (!visited.Add(role)) continue;
            yield return (role, delegator);
            var metadata = lookup(role, delegator);
            if (metadata is null) yield break;
            if (metadata.Targets.ContainsKey(targetPath) || metadata.Delegations is null) continue;
            // Matching delegations in listed order, up to and including the first terminating one.
            var children = DelegationPaths.MatchingRoles(metadata.Delegations, targetPath, pathHash);
            // A terminating delegation that matches ends the search below this role with it: nothing else is tried.
            if (children.Count > 0 && children[^1].Terminating) stack.Clear();
            for (int i = children.Count - 1; i >= 0; i--) stack.Push((children[i].Name, role));
        }
    }
}
