using System.Text;
using Stork.Format.Fleet;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Fleet;

/// <summary>Creates and edits fleet manifest files on the maintainer's machine, before they are signed and published.</summary>
public static class FleetManifestFile
{
    public static FleetManifest Load(string path)
    {
        if (!File.Exists(path)) throw new PublisherException($"{path} does not exist; create it with 'stork-publish fleet new {path}'");
        try { return FleetManifest.Parse(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
    }

    public static void Save(string path, FleetManifest manifest)
    {
        var text = manifest.ToJson().ToJsonString(new() { WriteIndented = true });
        File.WriteAllText(path + ".tmp", text + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static FleetManifest SetGroup(FleetManifest manifest, FleetGroup group)
    {
        try
        {
            FleetNames.CheckGroup(group.Name, "group");
            foreach (var m in group.Include.Concat(group.Exclude).Concat(group.Intersect)) FleetNames.CheckMember(m, $"group {group.Name}");
        }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
        return manifest with { Groups = [.. manifest.Groups.Where(g => g.Name != group.Name), group] };
    }

    /// <summary>
    /// Appends an action. A later action on the same package in the same group replaces what it contradicts or repeats:
    /// remove replaces install and update; install replaces remove and an earlier install; update replaces remove and an
    /// earlier update (install with a range and update together mean "the newest allowed version").
    /// </summary>
    public static FleetManifest AddAction(FleetManifest manifest, FleetAction action)
    {
        if (manifest.Groups.All(g => g.Name != action.Group) && !action.Group.Contains('/'))
            throw new PublisherException($"group {action.Group} is not defined in this manifest; add it with 'fleet group' first");
        bool Replaced(FleetAction a) => a.Group == action.Group && a.Package == action.Package
            && (action.Kind == FleetActionKind.Remove || a.Kind == FleetActionKind.Remove || a.Kind == action.Kind);
        return manifest with { Actions = [.. manifest.Actions.Where(a => !Replaced(a)), action] };
    }

    /// <summary>Deletes the actions on <paramref name="package"/> in <paramref name="group"/> (of one kind, when given).</summary>
    public static FleetManifest DeleteAction(FleetManifest manifest, string group, string package, FleetActionKind? kind)
    {
        bool Matches(FleetAction a) => a.Group == group && a.Package == package && (kind is null || a.Kind == kind);
        if (!manifest.Actions.Any(Matches))
            throw new PublisherException($"group {group} has no {(kind is null ? "action" : kind.ToString()!.ToLowerInvariant())} for {package}");
        return manifest with { Actions = [.. manifest.Actions.Where(a => !Matches(a))] };
    }

    /// <summary>The rule hosts enforce, checked before signing: a manifest under fleet/NS/ manages only groups NS/... .</summary>
    public static void CheckNamespace(FleetManifest manifest, string targetPath)
    {
        var ns = FleetNames.NamespaceOf(targetPath) ?? throw new PublisherException($"{targetPath} is not under {FleetNames.TargetPrefix}");
        if (ns.Length == 0) return;
        var outside = manifest.Groups.Select(g => g.Name).Concat(manifest.Actions.Select(a => a.Group))
            .FirstOrDefault(n => !n.StartsWith(ns + "/", StringComparison.Ordinal));
        if (outside is not null)
            throw new PublisherException($"{targetPath} may only manage groups named {ns}/..., but it names '{outside}'");
    }
}
