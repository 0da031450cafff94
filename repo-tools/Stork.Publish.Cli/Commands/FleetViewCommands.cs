using Stork.Cli;
using System.CommandLine;
using Stork.Format.Fleet;
using Stork.Publishing.Fleet;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>`stork-publish fleet show` and `fleet lint`: read a manifest file before it is signed.</summary>
internal static class FleetViewCommands
{
    public static Command CreateShow()
    {
        var file = new Argument<string>("file") { Description = "Manifest file" };
        var command = new Command("show", "Print a manifest's groups and actions (--json: the manifest itself)") { file };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var manifest = FleetManifestFile.Load(result.GetValue(file)!);
            if (PublishOutput.AsJson)
            {
                foreach (var (key, value) in manifest.ToJson()) PublishOutput.Set(key, value?.DeepClone());
                return 0;
            }
            PublishOutput.Data($"{result.GetValue(file)}: {manifest.Groups.Count} group(s), {manifest.Actions.Count} action(s)");
            foreach (var g in manifest.Groups)
            {
                var parts = new List<string> { "include " + (g.Include.Count == 0 ? "(nobody)" : string.Join(' ', g.Include)) };
                if (g.Intersect.Count > 0) parts.Add("intersect " + string.Join(' ', g.Intersect));
                if (g.Exclude.Count > 0) parts.Add("exclude " + string.Join(' ', g.Exclude));
                PublishOutput.Data($"group {g.Name}: {string.Join("; ", parts)}");
                foreach (var a in manifest.Actions.Where(a => a.Group == g.Name)) PublishOutput.Data($"  {a}");
            }
            foreach (var orphan in manifest.Actions.Where(a => manifest.Groups.All(g => g.Name != a.Group)).GroupBy(a => a.Group))
            {
                PublishOutput.Data($"group {orphan.Key} (defined elsewhere):");
                foreach (var a in orphan) PublishOutput.Data($"  {a}");
            }
            return 0;
        }));
        return command;
    }

    public static Command CreateLint()
    {
        var file = new Argument<string>("file") { Description = "Manifest file" };
        var repo = new Option<string?>("--repo") { Description = "Repository directory: also check package names and groups of the published manifests" };
        var name = new Option<string?>("--as") { Description = "The name it will be published under (its published version is left out of the comparison)" };
        var command = new Command("lint", "Check a manifest for contradictions, unknown groups, cycles and unknown packages (fleet publish runs this)") { file, repo, name };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = result.GetValue(file)!;
            var manifest = FleetManifestFile.Load(path);
            IReadOnlySet<string> groups = new HashSet<string>();
            IReadOnlySet<string>? packages = null;
            if (result.GetValue(repo) is { } dir)
            {
                var project = RepositoryProject.Open(dir, TimeProvider.System);
                var target = result.GetValue(name) is { } n ? FleetNames.TargetPrefix + n : null;
                if (target is not null) FleetManifestFile.CheckNamespace(manifest, target);
                groups = FleetLint.PublishedGroups(project, target);
                packages = FleetLint.PackageNames(project);
            }
            var findings = FleetLint.Check(manifest, groups, packages);
            if (findings.Count > 0) throw new FleetLintException(findings, path);
            PublishOutput.Data($"{path}: no problems found{(packages is null ? " (package names not checked: give --repo)" : "")}");
            PublishOutput.Set("file", path);
            PublishOutput.Set("problems", new System.Text.Json.Nodes.JsonArray());
            PublishOutput.Set("package_names_checked", packages is not null);
            return 0;
        }));
        return command;
    }
}
