using Stork.Cli;
using System.CommandLine;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>root export|import</c>: the offline root signing round trip.</summary>
internal static class RootCommands
{
    public static Command Create() => new("root", "Offline root signing: export the next root, import it once signed") { Export(), Import() };

    private static Command Export()
    {
        var repo = KeyOptions.Repo();
        var output = new Option<string>("--out") { Description = "Where to write the next root (unsigned, or with the signatures gathered so far)", Required = true };
        var command = new Command("export", "Write root version N+1 with the staged key changes, for signing elsewhere") { repo, output };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            using var keys = new SigningKeys(project.Keys);
            var envelope = project.ExportRoot(result.GetValue(output)!, keys);
            var next = RootMetadata.FromSigned(envelope.Signed, "next root");
            var current = project.CurrentRoot();
            int oldValid = envelope.CountValidSignatures(current.Keys, current.Role(RoleNames.Root).KeyIds);
            int newValid = envelope.CountValidSignatures(next.Keys, next.Role(RoleNames.Root).KeyIds);
            PublishOutput.Say($"wrote root v{next.Header.Version} to {Path.GetFullPath(result.GetValue(output)!)}");
            PublishOutput.Say($"  signatures by root v{current.Header.Version} keys: {oldValid} of {current.Role(RoleNames.Root).Threshold} needed ({string.Join(", ", current.Role(RoleNames.Root).KeyIds)})");
            PublishOutput.Say($"  signatures by its own root keys: {newValid} of {next.Role(RoleNames.Root).Threshold} needed ({string.Join(", ", next.Role(RoleNames.Root).KeyIds)})");
            PublishOutput.Say("Sign it with 'stork-publish sign FILE --key KEYFILE', then 'stork-publish root import REPO FILE'.");
            PublishOutput.Set("root_version", next.Header.Version);
            PublishOutput.Set("file", Path.GetFullPath(result.GetValue(output)!));
            PublishOutput.Set("signatures", new System.Text.Json.Nodes.JsonObject
            {
                ["previous_root_keys"] = oldValid,
                ["previous_threshold"] = current.Role(RoleNames.Root).Threshold,
                ["own_root_keys"] = newValid,
                ["own_threshold"] = next.Role(RoleNames.Root).Threshold,
            });
            return 0;
        }));
        return command;
    }

    private static Command Import()
    {
        var repo = KeyOptions.Repo();
        var file = new Argument<string>("file") { Description = "The signed root file" };
        var command = new Command("import", "Check a signed root N+1 against both thresholds and publish it") { repo, file };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            using var keys = new SigningKeys(project.Keys);
            var change = project.ImportRoot(result.GetValue(file)!, keys);
            PublishOutput.Say($"root v{change.Version} published" + (change.ResignedRoles.Count > 0 ? $"; re-signed {string.Join(", ", change.ResignedRoles)} and the chain below" : ""));
            PublishOutput.Set("root_version", change.Version);
            PublishOutput.Set("resigned_roles", PublishOutput.Strings(change.ResignedRoles));
            return 0;
        }));
        return command;
    }
}
