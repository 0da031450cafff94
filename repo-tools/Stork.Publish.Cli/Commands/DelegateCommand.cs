using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class DelegateCommand
{
    public static Command Create()
    {
        var repo = KeyOptions.Repo();
        var name = new Argument<string>("name") { Description = "Name of the delegated role (its metadata is NAME.json)" };
        var keys = new Option<string[]>("--key")
        {
            Description = "The role's key files (public or private, repeatable); a threshold of private ones is needed to sign its version 1, and they are not stored",
            AllowMultipleArgumentsPerToken = true,
            Required = true,
        };
        var threshold = new Option<int>("--threshold") { Description = "How many of the role's keys must sign", DefaultValueFactory = _ => 1 };
        var paths = new Option<string[]>("--paths") { Description = "Target path patterns the role may sign ('*' does not cross '/')", AllowMultipleArgumentsPerToken = true };
        var prefixes = new Option<string[]>("--path-hash-prefixes") { Description = "Hex prefixes of sha256(target path) the role may sign", AllowMultipleArgumentsPerToken = true };
        var terminating = new Option<bool>("--terminating") { Description = "Clients stop searching other roles for paths this role covers" };
        var parent = new Option<string>("--parent") { Description = "Role that delegates", DefaultValueFactory = _ => "targets" };
        var parentKeys = new Option<string[]>("--parent-key")
        {
            Description = "Private key file(s) of the parent role when they are not in the key store (e.g. delegating from a delegated role)",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("delegate", "Delegate target paths to a new role signed by its own keys") { repo, name, keys, threshold, paths, prefixes, terminating, parent, parentKeys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var keyFiles = result.GetValue(keys)!.Select(KeyFiles.Read).ToList();
            var parentSigning = KeyOptions.LoadPrivate(result.GetValue(parentKeys));
            try
            {
                var published = project.Delegate(result.GetValue(name)!, keyFiles, result.GetValue(threshold),
                    result.GetValue(paths), result.GetValue(prefixes), result.GetValue(terminating), result.GetValue(parent)!, parentSigning);
                PublishOutput.Say($"delegated role {result.GetValue(name)} from {result.GetValue(parent)}; signed {string.Join(", ", published.SignedRoles ?? [])}, snapshot v{published.SnapshotVersion}, timestamp v{published.TimestampVersion}");
                PublishOutput.Set("role", result.GetValue(name));
                PublishOutput.Set("parent", result.GetValue(parent));
                PublishCommand.SetVersions(published);
            }
            finally
            {
                KeyOptions.DisposeAll(keyFiles.Where(k => k.Private is not null).Select(k => k.Private!));
                KeyOptions.DisposeAll(parentSigning);
            }
            return 0;
        }));
        return command;
    }
}
