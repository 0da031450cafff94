using Stork.Format.Metadata;

namespace Stork.Format.Trust;

/// <summary>A target found by the delegation search, with the role that signed it.</summary>
public sealed record FoundTarget(string Path, TargetFile File, string Role);

/// <summary>
/// The TUF targets search over already-verified roles: depth-first, pre-order, each delegation in listed
/// order, a visited set against cycles, a cap on roles visited, and "terminating" stopping the search.
/// </summary>
public static class TargetSearch
{
    public const int DefaultMaxRoles = 4096;

    /// <summary>The roles a search for <paramref name="targetPath"/> may visit, in visiting order, with their delegators.</summary>
    public static IEnumerable<(string Role, string? Delegator)> RolesToVisit(Func<string, TargetsMetadata?> rolesLoaded, string targetPath, int maxRoles = DefaultMaxRoles)
        => Walk(rolesLoaded, targetPath, maxRoles);

    /// <summary>Finds the trusted entry for one path, or null when no role that may sign it lists it.</summary>
    public static FoundTarget? Find(Func<string, TargetsMetadata?> rolesLoaded, string targetPath, int maxRoles = DefaultMaxRoles)
    {
        foreach (var (role, _) in Walk(rolesLoaded, targetPath, maxRoles))
            if (rolesLoaded(role) is { } metadata && metadata.Targets.TryGetValue(targetPath, out var file))
                return new FoundTarget(targetPath, file, role);
        return null;
    }

    /// <summary>
    /// Every target the loaded roles list, each resolved through the search so that an entry counts only
    /// when its role is the one the delegation rules trust for that path.
    /// </summary>
    public static IReadOnlyList<FoundTarget> AllTrusted(Func<string, TargetsMetadata?> rolesLoaded, IEnumerable<string> roles, int maxRoles = DefaultMaxRoles)
    {
        var found = new Dictionary<string, FoundTarget>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            if (rolesLoaded(role) is not { } metadata) continue;
            foreach (var path in metadata.Targets.Keys)
            {
                if (found.ContainsKey(path)) continue;
                if (Find(rolesLoaded, path, maxRoles) is { } hit && hit.Role == role) found[path] = hit;
            }
        }
        return found.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<(string Role, string? Delegator)> Walk(Func<string, TargetsMetadata?> rolesLoaded, string targetPath, int maxRoles)
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
            var metadata = rolesLoaded(role);
            if (metadata is null || metadata.Targets.ContainsKey(targetPath) || metadata.Delegations is null) continue;
            var children = new List<DelegatedRole>();
            foreach (var child in metadata.Delegations.Roles)
            {
                if (!DelegationPaths.IsDelegated(child, targetPath, pathHash)) continue;
                children.Add(child);
                // A terminating delegation that matches ends the search below this role with it.
                if (child.Terminating) { stack.Clear(); break; }
            }
            for (int i = children.Count - 1; i >= 0; i--) stack.Push((children[i].Name, role));
        }
    }
}
