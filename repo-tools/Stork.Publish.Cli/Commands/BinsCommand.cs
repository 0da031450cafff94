using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class BinsCommand
{
    public static Command Create()
    {
        var repo = KeyOptions.Repo();
        var count = new Option<int>("--count") { Description = "Number of bins, a power of two (e.g. 16, 256)", Required = true };
        var key = new Option<string?>("--key") { Description = "Key file all bins share (a new one is generated into the key store when omitted)" };
        var command = new Command("bins", "Move all targets into hash bins (roles bins-PREFIX delegated by path_hash_prefixes)") { repo, count, key };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var given = result.GetValue(key) is { } path ? KeyFiles.Read(path) : null;
            try
            {
                var published = project.ConvertToHashBins(result.GetValue(count), given);
                PublishOutput.Say($"converted to {result.GetValue(count)} hash bins ({published.TargetCount} targets moved); targets v{published.TargetsVersion}, snapshot v{published.SnapshotVersion}, timestamp v{published.TimestampVersion}");
                PublishOutput.Set("bins", result.GetValue(count));
                PublishCommand.SetVersions(published);
            }
            finally { given?.Private?.Dispose(); }
            return 0;
        }));
        return command;
    }
}
