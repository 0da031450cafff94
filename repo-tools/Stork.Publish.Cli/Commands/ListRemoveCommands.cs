using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>stork-publish list REPO</c> and <c>stork-publish remove REPO NAME VERSION</c>.</summary>
internal static class ListRemoveCommands
{
    public static Command CreateList()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var command = new Command("list", "List published packages (and those queued for the next publish)") { repo };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var list = new System.Text.Json.Nodes.JsonArray();
            foreach (var p in project.ListPackages())
            {
                PublishOutput.Data($"{p.Name} {p.Version}{(p.DebianVersion is null ? "" : $" (Debian {p.DebianVersion})")}  role {p.Role}  {p.Length} bytes{(p.Pending ? "  [pending]" : "")}");
                list.Add((System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["name"] = p.Name,
                    ["version"] = p.Version,
                    ["debian_version"] = p.DebianVersion,
                    ["role"] = p.Role,
                    ["target"] = p.TargetPath,
                    ["length"] = p.Length,
                    ["pending"] = p.Pending,
                });
            }
            PublishOutput.Set("packages", list);
            return 0;
        }));
        return command;
    }

    public static Command CreateRemove()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var name = new Argument<string>("name") { Description = "Package name" };
        var version = new Argument<string>("version") { Description = "Version to withdraw (SemVer, or the Debian version of an imported package)" };
        var keys = KeyOptions.SigningKeys("Private key file(s) of the role that lists the package, if not in the repository");
        var command = new Command("remove", "Withdraw one published version: it leaves the signed metadata (hosts that installed it keep it)") { repo, name, version, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var signingKeys = KeyOptions.LoadPrivate(result.GetValue(keys));
            try
            {
                var removed = project.RemovePackage(result.GetValue(name)!, result.GetValue(version)!, signingKeys);
                if (removed.Published is { } p)
                {
                    PublishOutput.Say($"removed {removed.Name} {removed.Version} from {string.Join(", ", removed.Roles)}; published snapshot v{p.SnapshotVersion}, timestamp v{p.TimestampVersion}");
                    PublishCommand.SetVersions(p);
                }
                else PublishOutput.Say($"removed {removed.Name} {removed.Version} from the pending queue");
                PublishOutput.Set("removed", new System.Text.Json.Nodes.JsonObject
                { ["name"] = removed.Name, ["version"] = removed.Version, ["roles"] = PublishOutput.Strings(removed.Roles), ["pending_only"] = removed.Published is null });
            }
            finally { KeyOptions.DisposeAll(signingKeys); }
            return 0;
        }));
        return command;
    }
}
