using Stork.Cli;
using System.CommandLine;
using NuGet.Versioning;
using Stork.Format.Fleet;
using Stork.Publishing.Fleet;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>`stork-publish fleet`: create, edit, sign and publish fleet manifests (format-spec/FLEET.md).</summary>
internal static class FleetCommand
{
    public static Command Create()
    {
        var command = new Command("fleet", "Create, edit, sign and publish fleet manifests (groups of hosts and guests, and their actions)");
        command.Subcommands.Add(CreateInit());
        command.Subcommands.Add(CreateNew());
        command.Subcommands.Add(CreateGroup());
        command.Subcommands.Add(CreateAction());
        command.Subcommands.Add(CreatePublish());
        command.Subcommands.Add(FleetViewCommands.CreateShow());
        command.Subcommands.Add(FleetViewCommands.CreateLint());
        return command;
    }

    private static Command CreateInit()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var keys = new Option<string[]>("--key") { Description = "Private key file(s) of the fleet role", Required = true, Arity = ArgumentArity.OneOrMore };
        var threshold = new Option<int>("--threshold") { Description = "Signatures the fleet role needs", DefaultValueFactory = _ => 1 };
        var command = new Command("init", "Delegate the 'fleet' role (paths fleet/* and fleet/*/*) to its own keys") { repo, keys, threshold };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var keyFiles = result.GetValue(keys)!.Select(KeyFiles.Read).ToList();
            var published = project.Delegate("fleet", keyFiles, result.GetValue(threshold), [FleetNames.TargetPrefix + "*", FleetNames.TargetPrefix + "*/*"], null, terminating: true);
            PublishOutput.Set("role", "fleet");
            PublishOutput.Set("paths", PublishOutput.Strings([FleetNames.TargetPrefix + "*", FleetNames.TargetPrefix + "*/*"]));
            PublishCommand.SetVersions(published);
            PublishOutput.Say("delegated role 'fleet' for fleet/* and fleet/*/*; delegate fleet/TEAM/* to a team with 'stork-publish delegate REPO TEAM --parent fleet --paths fleet/TEAM/* ...'");
            return 0;
        }));
        return command;
    }

    private static Command CreateNew()
    {
        var file = new Argument<string>("file") { Description = "Manifest file to create" };
        var command = new Command("new", "Write an empty fleet manifest") { file };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = result.GetValue(file)!;
            if (File.Exists(path)) throw new PublisherException($"{path} already exists");
            FleetManifestFile.Save(path, new FleetManifest([], []));
            PublishOutput.Say($"created {path}");
            PublishOutput.Set("created", path);
            return 0;
        }));
        return command;
    }

    private static Command CreateGroup()
    {
        var file = new Argument<string>("file") { Description = "Manifest file" };
        var name = new Argument<string>("name") { Description = "Group name, e.g. web or team-a/db" };
        var include = new Option<string[]>("--include") { Description = "Members: HOST, HOST/GUEST or @GROUP", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Members to leave out", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = true };
        var intersect = new Option<string[]>("--intersect") { Description = "Keep only members also in these", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = true };
        var command = new Command("group", "Define or replace a group") { file, name, include, exclude, intersect };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = result.GetValue(file)!;
            var group = new FleetGroup(result.GetValue(name)!, result.GetValue(include) ?? [], result.GetValue(exclude) ?? [], result.GetValue(intersect) ?? []);
            FleetManifestFile.Save(path, FleetManifestFile.SetGroup(FleetManifestFile.Load(path), group));
            PublishOutput.Say($"group {group.Name} set in {path}");
            PublishOutput.Set("file", path);
            PublishOutput.Set("group", group.Name);
            return 0;
        }));
        return command;
    }

    private static Command CreateAction()
    {
        var file = new Argument<string>("file") { Description = "Manifest file" };
        var group = new Argument<string>("group") { Description = "Group the action applies to" };
        var verb = new Argument<string>("verb") { Description = "install, update or remove" };
        var package = new Argument<string>("package") { Description = "Package name" };
        var range = new Option<string?>("--range") { Description = "Allowed versions for install, e.g. [1.0.0,2.0.0)" };
        var rollout = new Option<int?>("--rollout") { Description = "Only this percentage of hosts (1-100, by a stable hash of the host name) take part" };
        var notBefore = new Option<string?>("--not-before") { Description = "Hosts ignore the action before this UTC time, e.g. 2026-12-01T08:00:00Z" };
        var delete = new Option<bool>("--delete") { Description = "Delete this group's VERB action on PACKAGE instead of adding one" };
        var command = new Command("action", "Add an action for a group (a later action on the same package in the group replaces the one it contradicts), or --delete one")
            { file, group, verb, package, range, rollout, notBefore, delete };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = result.GetValue(file)!;
            var kind = result.GetValue(verb) switch
            {
                "install" => FleetActionKind.Install,
                "update" => FleetActionKind.Update,
                "remove" => FleetActionKind.Remove,
                var other => throw new PublisherException($"'{other}' is not an action; use install, update or remove"),
            };
            if (result.GetValue(delete))
            {
                if (result.GetValue(range) is not null || result.GetValue(rollout) is not null || result.GetValue(notBefore) is not null)
                    throw new PublisherException("--delete takes no --range, --rollout or --not-before");
                FleetManifestFile.Save(path, FleetManifestFile.DeleteAction(FleetManifestFile.Load(path), result.GetValue(group)!, result.GetValue(package)!, kind));
                PublishOutput.Say($"{path}: {result.GetValue(group)}: deleted {result.GetValue(verb)} {result.GetValue(package)}");
                PublishOutput.Set("file", path);
                PublishOutput.Set("group", result.GetValue(group));
                PublishOutput.Set("deleted", $"{result.GetValue(verb)} {result.GetValue(package)}");
                return 0;
            }
            VersionRange? parsed = null;
            if (result.GetValue(range) is { } text)
            {
                if (kind != FleetActionKind.Install) throw new PublisherException("only install takes --range");
                if (!VersionRange.TryParse(text, out parsed)) throw new PublisherException($"--range: '{text}' is not a version range");
            }
            if (result.GetValue(rollout) is { } percent && percent is < 1 or > 100)
                throw new PublisherException($"--rollout: {percent} is not a percentage from 1 to 100");
            DateTimeOffset? start = null;
            if (result.GetValue(notBefore) is { } when)
            {
                try { start = FleetRollout.ParseTime(when, "--not-before"); }
                catch (FormatException e) { throw new PublisherException(e.Message, e); }
            }
            var action = new FleetAction(result.GetValue(group)!, kind, result.GetValue(package)!, parsed, result.GetValue(rollout), start);
            var before = FleetManifestFile.Load(path);
            var after = FleetManifestFile.AddAction(before, action);
            var replacedActions = before.Actions.Where(a => !after.Actions.Contains(a)).ToList();
            foreach (var replaced in replacedActions)
                PublishOutput.Say($"{path}: {action.Group}: '{replaced}' replaced");
            FleetManifestFile.Save(path, after);
            PublishOutput.Say($"{path}: {action.Group}: {action}");
            PublishOutput.Set("file", path);
            PublishOutput.Set("group", action.Group);
            PublishOutput.Set("action", action.ToString());
            PublishOutput.Set("replaced", PublishOutput.Strings(replacedActions.Select(a => a.ToString())));
            return 0;
        }));
        return command;
    }

    private static Command CreatePublish()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var file = new Argument<string>("file") { Description = "Manifest file" };
        var name = new Option<string>("--as") { Description = "Name under fleet/, e.g. site.json or team-a/web.json", Required = true };
        var role = new Option<string>("--role") { Description = "Role that signs it", DefaultValueFactory = _ => "fleet" };
        var keys = new Option<string[]>("--key") { Description = "Private key file(s) of that role, if not in the key store", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("publish", "Sign a manifest with its role and publish it") { repo, file, name, role, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var path = result.GetValue(file)!;
            var manifest = FleetManifestFile.Load(path);
            var targetPath = FleetNames.TargetPrefix + result.GetValue(name)!;
            if (!targetPath.EndsWith(".json", StringComparison.Ordinal)) throw new PublisherException("--as must name a .json file");
            FleetManifestFile.CheckNamespace(manifest, targetPath);
            var findings = FleetLint.Check(manifest, FleetLint.PublishedGroups(project, targetPath), FleetLint.PackageNames(project));
            if (findings.Count > 0) throw new FleetLintException(findings, path);
            project.AddTarget(targetPath, path, custom: null, role: result.GetValue(role));
            var extra = (result.GetValue(keys) ?? []).Select(k => KeyFiles.Read(k).Private ?? throw new PublisherException($"{k} holds no private key")).ToList();
            var published = project.Publish(extra);
            PublishOutput.Say($"published {targetPath} (role {result.GetValue(role)}); snapshot v{published.SnapshotVersion}, timestamp v{published.TimestampVersion}");
            PublishOutput.Set("target", targetPath);
            PublishOutput.Set("role", result.GetValue(role));
            PublishCommand.SetVersions(published);
            return 0;
        }));
        return command;
    }
}
