using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class PublishCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var command = new Command("publish", "Re-sign targets, snapshot and timestamp with everything added") { repo };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            PublishAndReport(RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System));
            return 0;
        }));
        return command;
    }

    public static void PublishAndReport(RepositoryProject project)
    {
        var published = project.Publish();
        Console.WriteLine($"published targets v{published.TargetsVersion} ({published.TargetCount} targets, {published.AddedTargets} new), snapshot v{published.SnapshotVersion}, timestamp v{published.TimestampVersion}");
    }
}
