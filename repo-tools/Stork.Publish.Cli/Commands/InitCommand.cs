using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class InitCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Directory for the new repository (created if missing)" };
        var keys = new Option<string?>("--keys") { Description = "Where to write the private keys (default: REPO/keys, outside the served REPO/public)" };
        var command = new Command("init", "Create keys for root, targets, snapshot and timestamp, and version 1 of all metadata") { repo, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Init(result.GetValue(repo)!, TimeProvider.System, keysDir: result.GetValue(keys));
            var settings = project.Settings;
            var trustedRoot = Path.Combine(project.MetadataDir, "1.root.json");
            PublishOutput.Say($"Initialised repository {project.Directory}");
            PublishOutput.Say($"  serve this folder:   {project.PublicDir}");
            PublishOutput.Say($"  trusted root:        {trustedRoot} (give it to hosts: stork-get init --root)");
            PublishOutput.Say($"  expiries (days):     root {settings.RootExpiry.TotalDays}, targets {settings.TargetsExpiry.TotalDays}, snapshot {settings.SnapshotExpiry.TotalDays}, timestamp {settings.TimestampExpiry.TotalDays}");
            PublishOutput.Set("repository", project.Directory);
            PublishOutput.Set("public", project.PublicDir);
            PublishOutput.Set("trusted_root", trustedRoot);
            PublishOutput.Set("keys", project.Keys.Directory);
            PublishOutput.Set("expiry_days", new System.Text.Json.Nodes.JsonObject
            {
                ["root"] = settings.RootExpiry.TotalDays,
                ["targets"] = settings.TargetsExpiry.TotalDays,
                ["snapshot"] = settings.SnapshotExpiry.TotalDays,
                ["timestamp"] = settings.TimestampExpiry.TotalDays,
            });
            Console.Error.WriteLine();
            Console.Error.WriteLine($"WARNING: the PRIVATE KEYS of all four roles are in {project.Keys.Directory}");
            Console.Error.WriteLine("         Anyone with them can sign packages your hosts will install. Never put them in the served");
            Console.Error.WriteLine("         folder, back them up, and move the root key offline once set up.");
            return 0;
        }));
        return command;
    }
}
