using System.Text.Json.Nodes;
using Stork.Format.Json;
using NuGet.Versioning;

namespace Stork.Format.Fleet;

/// <summary>
/// A group of nodes: members included, intersected and excluded. Members are "HOST" (every guest of a host),
/// "HOST/GUEST" (one guest) or "@GROUP" (another group, possibly from another manifest).
/// </summary>
public sealed record FleetGroup(string Name, IReadOnlyList<string> Include, IReadOnlyList<string> Exclude, IReadOnlyList<string> Intersect);

public enum FleetActionKind { Install, Update, Remove }

/// <summary>One action for a group, applied in manifest order.</summary>
/// <param name="Rollout">"rollout": the percentage (1-100) of hosts that take part, chosen by a stable hash of the
/// host name (<see cref="FleetRollout"/>); null means every host.</param>
/// <param name="NotBefore">"not_before": hosts ignore the action until this time.</param>
public sealed record FleetAction(string Group, FleetActionKind Kind, string Package, VersionRange? Range,
    int? Rollout = null, DateTimeOffset? NotBefore = null)
{
    public override string ToString() => Kind switch
    {
        FleetActionKind.Install => Range is null ? $"install {Package}" : $"install {Package} {Range.ToNormalizedString()}",
        FleetActionKind.Update => $"update {Package}",
        _ => $"remove {Package}",
    } + Staging;

    private string Staging => (Rollout, NotBefore) switch
    {
        (null, null) => "",
        ({ } p, null) => $" (rollout {p}%)",
        (null, { } t) => $" (not before {FleetRollout.FormatTime(t)})",
        ({ } p, { } t) => $" (rollout {p}%, not before {FleetRollout.FormatTime(t)})",
    };
}

/// <summary>A signed fleet manifest (FLEET.md): groups of hosts and guests, and actions per group.</summary>
public sealed record FleetManifest(IReadOnlyList<FleetGroup> Groups, IReadOnlyList<FleetAction> Actions)
{
    public const int CurrentFormat = 1;

    public static FleetManifest Parse(ReadOnlySpan<byte> utf8, string what)
    {
        var json = StrictJson.ParseObject(utf8, what);
        var format = StrictJson.RequireInteger(json, "format", what);
        if (format != CurrentFormat) throw new FormatException($"{what}: format {format} is not supported (expected {CurrentFormat})");
        var groups = new List<FleetGroup>();
        foreach (var (name, node) in StrictJson.RequireObject(json, "groups", what))
        {
            var g = node as JsonObject ?? throw new FormatException($"{what}: group {name} must be an object");
            FleetNames.CheckGroup(name, what);
            groups.Add(new FleetGroup(name, Members(g, "include", what), Members(g, "exclude", what), Members(g, "intersect", what)));
        }
        var actions = new List<FleetAction>();
        foreach (var node in StrictJson.RequireArray(json, "actions", what))
            actions.Add(ReadAction(node as JsonObject ?? throw new FormatException($"{what}: every action must be an object"), what));
        return new FleetManifest(groups, actions);
    }

    private static FleetAction ReadAction(JsonObject a, string what)
    {
        var group = StrictJson.RequireString(a, "group", what);
        var kinds = new[] { ("install", FleetActionKind.Install), ("update", FleetActionKind.Update), ("remove", FleetActionKind.Remove) }
            .Where(k => a.ContainsKey(k.Item1)).ToList();
        if (kinds.Count != 1) throw new FormatException($"{what}: an action for group {group} needs exactly one of install, update, remove");
        var (key, kind) = kinds[0];
        var package = StrictJson.RequireString(a, key, what);
        VersionRange? range = null;
        if (a.ContainsKey("range"))
        {
            if (kind != FleetActionKind.Install) throw new FormatException($"{what}: only install takes a range ({key} {package})");
            var text = StrictJson.RequireString(a, "range", what);
            if (!VersionRange.TryParse(text, out range)) throw new FormatException($"{what}: '{text}' is not a version range (install {package})");
        }
        int? rollout = null;
        if (a.ContainsKey("rollout"))
        {
            var percent = StrictJson.RequireInteger(a, "rollout", what);
            if (percent is < 1 or > 100) throw new FormatException($"{what}: rollout of {key} {package} must be a percentage from 1 to 100, not {percent}");
            rollout = (int)percent;
        }
        DateTimeOffset? notBefore = null;
        if (a.ContainsKey("not_before"))
            notBefore = FleetRollout.ParseTime(StrictJson.RequireString(a, "not_before", what), $"{what}: not_before of {key} {package}");
        return new FleetAction(group, kind, package, range, rollout, notBefore);
    }

    private static List<string> Members(JsonObject group, string key, string what)
    {
        if (!group.ContainsKey(key)) return [];
        var list = StrictJson.RequireArray(group, key, what)
            .Select(m => m is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{what}: {key} entries must be strings"))
            .ToList();
        foreach (var member in list) FleetNames.CheckMember(member, what);
        return list;
    }

    public JsonObject ToJson()
    {
        var groups = new JsonObject();
        foreach (var g in Groups)
        {
            var o = new JsonObject { ["include"] = JsonArrays.OfStrings(g.Include) };
            if (g.Exclude.Count > 0) o["exclude"] = JsonArrays.OfStrings(g.Exclude);
            if (g.Intersect.Count > 0) o["intersect"] = JsonArrays.OfStrings(g.Intersect);
            groups[g.Name] = o;
        }
        var actions = new JsonArray();
        foreach (var a in Actions)
        {
            var o = new JsonObject { ["group"] = a.Group, [a.Kind.ToString().ToLowerInvariant()] = a.Package };
            if (a.Range is not null) o["range"] = a.Range.ToNormalizedString();
            if (a.Rollout is { } percent) o["rollout"] = percent;
            if (a.NotBefore is { } time) o["not_before"] = FleetRollout.FormatTime(time);
            actions.Add((JsonNode)o);
        }
        return new JsonObject { ["format"] = CurrentFormat, ["groups"] = groups, ["actions"] = actions };
    }
}
