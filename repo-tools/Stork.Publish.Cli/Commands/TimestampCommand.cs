using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class TimestampCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var refresh = new Option<bool>("--refresh") { Description = "Re-sign the timestamp with a fresh expiry (cron-friendly)", Required = true };
        var command = new Command("timestamp", "Re-sign only the timestamp, for short timestamp expiries") { repo, refresh };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var version = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System).RefreshTimestamp();
            PublishOutput.Say($"timestamp v{version} signed");
            PublishOutput.Set("timestamp_version", version);
            return 0;
        }));
        return command;
    }
}
