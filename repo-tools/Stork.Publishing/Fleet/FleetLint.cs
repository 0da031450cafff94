using Stork.Format.Errors;
using Stork.Format.Fleet;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Fleet;

/// <summary>
/// `stork-publish fleet lint` (also run by `fleet publish`): finds what hosts would refuse or silently ignore —
/// contradictory actions in one group, references to groups nobody defines, @-reference cycles, and actions for
/// package names no repository package has — before anything is signed.
/// </summary>
public static class FleetLint
{
    /// <param name="otherGroups">Groups defined by the other manifests already published (a team file may act on them).</param>
    /// <param name="packages">Package names the repository has; null skips that check (no repository given).</param>
    public static IReadOnlyList<string> Check(FleetManifest manifest, IReadOnlySet<string> otherGroups, IReadOnlySet<string>? packages)
    {
        var findings = new List<string>();
        var defined = manifest.Groups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        bool Known(string group) => defined.Contains(group) || otherGroups.Contains(group);

        foreach (var group in manifest.Actions.GroupBy(a => a.Group, StringComparer.Ordinal))
            foreach (var package in group.GroupBy(a => a.Package, StringComparer.Ordinal))
            {
                var remove = package.FirstOrDefault(a => a.Kind == FleetActionKind.Remove);
                var want = package.FirstOrDefault(a => a.Kind != FleetActionKind.Remove);
                if (remove is not null && want is not null)
                    findings.Add($"group {group.Key}: '{want}' and '{remove}' contradict each other; every host in the group would refuse the manifest (keep one: 'fleet action ... --delete' removes the other)");
            }

        foreach (var action in manifest.Actions.Where(a => !Known(a.Group)).DistinctBy(a => a.Group))
            findings.Add($"action '{action}' names group {action.Group}, which no manifest defines");
        foreach (var group in manifest.Groups)
            foreach (var member in group.Include.Concat(group.Exclude).Concat(group.Intersect).Where(m => m.StartsWith('@')))
                if (!Known(member[1..])) findings.Add($"group {group.Name}: member {member} names a group no manifest defines");

        foreach (var cycle in Cycles(manifest))
            findings.Add($"groups {string.Join(" -> ", cycle)} include each other through @-references; hosts treat them as empty");

        if (packages is not null)
            foreach (var action in manifest.Actions.Where(a => !packages.Contains(a.Package)).DistinctBy(a => a.Package))
                findings.Add($"action '{action}' (group {action.Group}) names package {action.Package}, which the repository does not have");
        return findings;
    }

    /// <summary>@-reference cycles among this manifest's groups, each as the path that closes it (a -> b -> a).</summary>
    private static List<List<string>> Cycles(FleetManifest manifest)
    {
        var edges = manifest.Groups.ToDictionary(g => g.Name,
            g => g.Include.Concat(g.Exclude).Concat(g.Intersect).Where(m => m.StartsWith('@')).Select(m => m[1..]).ToList(), StringComparer.Ordinal);
        var cycles = new List<List<string>>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string group, List<string> path)
        {
            if (path.Contains(group))
            {
                var cycle = path.SkipWhile(g => g != group).Append(group).ToList();
                if (cycle.Take(cycle.Count - 1).Any(reported.Add)) cycles.Add(cycle);
                return;
            }
            if (done.Contains(group) || !edges.TryGetValue(group, out var next)) return;
            path.Add(group);
            foreach (var n in next) Visit(n, path);
            path.RemoveAt(path.Count - 1);
            done.Add(group);
        }
        foreach (var g in manifest.Groups) Visit(g.Name, []);
        return cycles;
    }

    /// <summary>Package names the repository publishes (targets packages/NAME/...), across every role.</summary>
    public static IReadOnlySet<string> PackageNames(RepositoryProject project)
        => project.CurrentRoles()
            .SelectMany(r => r.Metadata.Targets.Keys)
            .Where(p => p.StartsWith("packages/", StringComparison.Ordinal))
            .Select(p => p.Split('/')[1])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Groups defined by the published manifests other than <paramref name="exceptTarget"/> (the one being replaced).</summary>
    public static IReadOnlySet<string> PublishedGroups(RepositoryProject project, string? exceptTarget)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in project.CurrentRoles())
            foreach (var (path, file) in role.Metadata.Targets)
            {
                if (!path.StartsWith(FleetNames.TargetPrefix, StringComparison.Ordinal) || !path.EndsWith(".json", StringComparison.Ordinal) || path == exceptTarget) continue;
                var onDisk = Path.Combine(project.TargetsDir, RepositoryLayout.HashPrefixedTarget(path, file.Sha256));
                if (!File.Exists(onDisk)) onDisk = Path.Combine(project.TargetsDir, path);
                if (!File.Exists(onDisk)) continue;
                try { groups.UnionWith(FleetManifest.Parse(File.ReadAllBytes(onDisk), path).Groups.Select(g => g.Name)); }
                catch (FormatException) { }
            }
        return groups;
    }
}

/// <summary>A manifest that lint finds wrong: publishing it would ship something hosts refuse or ignore (exit 5).</summary>
public sealed class FleetLintException(IReadOnlyList<string> findings, string file)
    : StorkException($"{file}: {findings.Count} problem(s), not published:\n  {string.Join("\n  ", findings)}")
{
    public IReadOnlyList<string> Findings { get; } = findings;
    public override ErrorClass Class => ErrorClass.RequestCannotBeMet;
}
