using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class ThresholdCommand
{
    public static Command Create()
    {
        var repo = KeyOptions.Repo();
        var role = KeyOptions.Role();
        var value = new Option<int>("--value") { Description = "How many distinct keys must sign (1..number of keys)", Required = true };
        var offline = KeyOptions.Offline();
        var command = new Command("threshold", "Set how many of a role's keys must sign its metadata") { repo, role, value, offline };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var change = project.SetThreshold(result.GetValue(role)!, result.GetValue(value), result.GetValue(offline));
            PublishOutput.Say($"role {change.Role}: threshold {result.GetValue(value)}");
            PublishOutput.Set("threshold", result.GetValue(value));
            KeyCommand.Report(change, "");
            return 0;
        }));
        return command;
    }
}
