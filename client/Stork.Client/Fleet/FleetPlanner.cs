using Stork.Format.Fleet;

namespace Stork.Client.Fleet;

/// <summary>
/// Pure core of `stork-get apply`: from the signed manifests, this host's name and its guests, works out which
/// actions apply to which guest. Manifests that break the namespace rule are refused and reported, never applied.
/// </summary>
public sealed class FleetPlanner
{
    private readonly Dictionary<string, (FleetGroup Group, string Path)> _groups = new(StringComparer.Ordinal);
    private readonly List<(FleetAction Action, string Path)> _actions = [];
    private readonly List<string> _problems = [];

    /// <summary>Everything worth telling the admin, each distinct problem once, in the order found.</summary>
    public IReadOnlyList<string> Problems => _problems.Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Actions this host sits out for now: outside their rollout percentage, or before their not_before.</summary>
    public List<string> Deferred { get; } = [];

    public FleetPlanner(IEnumerable<SignedManifest> manifests)
    {
        foreach (var m in manifests.OrderBy(m => m.TargetPath, StringComparer.Ordinal))
        {
            var ns = FleetNames.NamespaceOf(m.TargetPath);
            var outside = m.Manifest.Groups.Select(g => g.Name).Concat(m.Manifest.Actions.Select(a => a.Group))
                .FirstOrDefault(name => !string.IsNullOrEmpty(ns) && !name.StartsWith(ns + "/", StringComparison.Ordinal));
            if (ns is null || outside is not null)
            {
                _problems.Add(ns is null
                    ? $"{m.TargetPath}: not under {FleetNames.TargetPrefix}; ignored"
                    : $"{m.TargetPath} (signed by role {m.Role}) may only manage groups named {ns}/..., but names '{outside}'; ignored");
                continue;
            }
            var duplicate = m.Manifest.Groups.FirstOrDefault(g => _groups.ContainsKey(g.Name));
            if (duplicate is not null)
            {
                _problems.Add($"{m.TargetPath}: group {duplicate.Name} is already defined by {_groups[duplicate.Name].Path}; manifest ignored");
                continue;
            }
            foreach (var g in m.Manifest.Groups) _groups[g.Name] = (g, m.TargetPath);
            foreach (var a in m.Manifest.Actions) _actions.Add((a, m.TargetPath));
        }
    }

    /// <summary>The directives for each of <paramref name="guests"/> on host <paramref name="host"/>.</summary>
    /// <param name="now">For staged rollouts: actions with a not_before later than this are left out.</param>
    public IReadOnlyList<GuestDirectives> DirectivesFor(string host, IReadOnlyList<string> guests, DateTimeOffset now)
    {
        var at = now;
        foreach (var (action, path) in _actions)
            if (!FleetRollout.Includes(action, host, at) && _groups.ContainsKey(action.Group))
                Deferred.Add($"{path}: group {action.Group}: {action}: host {host} is not in it yet");
        var members = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var result = new List<GuestDirectives>();
        foreach (var guest in guests.Order(StringComparer.Ordinal))
        {
            var list = new List<GuestDirective>();
            foreach (var (action, path) in _actions)
            {
                if (!_groups.ContainsKey(action.Group))
                {
                    _problems.Add($"{path}: action '{action}' names group {action.Group}, which no manifest defines");
                    continue;
                }
                if (!FleetRollout.Includes(action, host, at)) continue;   // outside the rollout: the guest keeps its state
                if (Resolve(action.Group, host, guests, members, []).Contains(guest)) list.Add(new GuestDirective(action, path));
            }
            result.Add(new GuestDirectives(guest, list));
        }
        return result;
    }

    /// <summary>The guests of this host in a group: (∪ include) ∩ (∪ intersect, when given) − (∪ exclude).</summary>
    private HashSet<string> Resolve(string group, string host, IReadOnlyList<string> guests, Dictionary<string, HashSet<string>> memo, HashSet<string> resolving)
    {
        if (memo.TryGetValue(group, out var known)) return known;
        if (!_groups.TryGetValue(group, out var entry)) return [];
        if (!resolving.Add(group))
        {
            _problems.Add($"group {group} includes itself through @-references; treated as empty");
            return [];
        }
        HashSet<string> Union(IEnumerable<string> list)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in list) set.UnionWith(Expand(member, host, guests, memo, resolving));
            return set;
        }
        var result = Union(entry.Group.Include);
        if (entry.Group.Intersect.Count > 0) result.IntersectWith(Union(entry.Group.Intersect));
        result.ExceptWith(Union(entry.Group.Exclude));
        resolving.Remove(group);
        memo[group] = result;
        return result;
    }

    private IEnumerable<string> Expand(string member, string host, IReadOnlyList<string> guests, Dictionary<string, HashSet<string>> memo, HashSet<string> resolving)
    {
        if (member.StartsWith('@')) return Resolve(member[1..], host, guests, memo, resolving);
        var slash = member.IndexOf('/');
        var memberHost = slash < 0 ? member : member[..slash];
        if (!string.Equals(memberHost, host, StringComparison.Ordinal)) return [];
        if (slash < 0) return guests;
        var guest = member[(slash + 1)..];
        if (guests.Contains(guest, StringComparer.Ordinal)) return [guest];
        _problems.Add($"member {member} names guest {guest}, which host {host} does not have (stork-get guest list)");
        return [];
    }
}
