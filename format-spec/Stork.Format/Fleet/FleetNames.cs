using System.Text.RegularExpressions;

namespace Stork.Format.Fleet;

/// <summary>Names in fleet manifests: groups ("team-a/web"), hosts ("h1") and guests ("h1/web1").</summary>
public static partial class FleetNames
{
    /// <summary>Where fleet manifests live among the targets; the fleet role is delegated this prefix.</summary>
    public const string TargetPrefix = "fleet/";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}(/[a-z0-9][a-z0-9._-]{0,62})?$")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NodePattern();

    public static void CheckGroup(string name, string what)
    {
        if (!GroupPattern().IsMatch(name)) throw new FormatException($"{what}: '{name}' is not a group name (lowercase words, at most one '/': team-a/web)");
    }

    public static void CheckMember(string member, string what)
    {
        if (member.StartsWith('@')) { CheckGroup(member[1..], what); return; }
        var parts = member.Split('/');
        if (parts.Length is < 1 or > 2 || parts.Any(p => !NodePattern().IsMatch(p)))
            throw new FormatException($"{what}: '{member}' is not a member (HOST, HOST/GUEST or @GROUP)");
    }

    /// <summary>
    /// The group namespace a manifest may manage, from its target path: "fleet/site.json" manages every group,
    /// "fleet/team-a/web.json" only groups named "team-a/...". Delegating "fleet/team-a/*" to a team's key
    /// therefore limits that key to its own groups.
    /// </summary>
    public static string? NamespaceOf(string targetPath)
    {
        if (!targetPath.StartsWith(TargetPrefix, StringComparison.Ordinal)) return null;
        var rest = targetPath[TargetPrefix.Length..];
        int slash = rest.IndexOf('/');
        return slash < 0 ? "" : rest[..slash];
    }
}
