using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class InstallCommand
{
    public static Command Create()
    {
        var guests = GuestOption.Create();
        var packages = new Argument<string[]>("packages") { Description = "NAME, NAME=VERSION or \"NAME RANGE\"", Arity = ArgumentArity.OneOrMore };
        var dryRun = new Option<bool>("--dry-run") { Description = "Resolve and print the plan, change nothing" };
        var command = new Command("install", "Install packages and their dependencies into guests") { guests, packages, dryRun };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            using var session = host.OpenSession();
            var operations = new PackageOperations(session, host.Installer);
            var outcomes = new JsonArray();
            var done = await ProgressBars.RunAsync(result, session, async () =>
            {
                var list = new List<OperationOutcome>();
                foreach (var guest in result.GetValue(guests)!)
                    list.Add(await operations.InstallAsync(guest, result.GetValue(packages)!, result.GetValue(dryRun), cancellation));
                return list;
            });
            foreach (var outcome in done)
            {
                if (GlobalOptions.WantsJson(result)) outcomes.Add((JsonNode)OutcomePrinter.ToJson(outcome));
                else OutcomePrinter.Print(outcome);
            }
            if (GlobalOptions.WantsJson(result)) Output.Json(outcomes);
            return 0;
        }));
        return command;
    }
}
