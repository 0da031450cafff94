using NuGet.Versioning;
using Stork.Format.Errors;
using Stork.Format.Fleet;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Fleet;

/// <summary>
/// Turns a guest's directives into one solver request, with Stork's semantics: install is satisfied by any allowed
/// version already present, update moves to the newest allowed version, remove takes the package away.
/// Contradictory directives (install and remove of one package) are reported with the groups that gave them.
/// </summary>
public static class GuestRequestBuilder
{
    public static SolveRequest Build(GuestDirectives directives, IReadOnlyList<PackageId> installed, IReadOnlyList<string> manual)
    {
        var byPackage = directives.Directives.GroupBy(d => d.Action.Package, StringComparer.Ordinal);
        var install = new List<Reference>();
        var upgrade = new List<string>();
        var remove = new List<string>();
        foreach (var package in byPackage)
        {
            var removes = package.Where(d => d.Action.Kind == FleetActionKind.Remove).ToList();
            var wants = package.Where(d => d.Action.Kind != FleetActionKind.Remove).ToList();
            if (removes.Count > 0 && wants.Count > 0)
                throw new RequestException($"guest {directives.Guest}: {wants[0].Source} asks to {wants[0].Action}, but {removes[0].Source} asks to {removes[0].Action}");
            if (removes.Count > 0)
            {
                if (installed.Any(p => p.Name == package.Key)) remove.Add(package.Key);
                continue;
            }
            foreach (var d in wants)
                install.Add(new Reference(package.Key, d.Action.Range));
            if (wants.Any(d => d.Action.Kind == FleetActionKind.Update)) upgrade.Add(package.Key);
        }
        return new SolveRequest
        {
            Install = install,
            Upgrade = upgrade,
            Remove = remove,
            Installed = installed,
            ManuallyInstalled = manual.Concat(install.Select(i => i.Name)).Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Which groups asked for what, to put next to a solver explanation.</summary>
    public static string Sources(GuestDirectives directives)
        => string.Join("; ", directives.Directives.Select(d => $"{d.Source}: {d.Action}"));
}
