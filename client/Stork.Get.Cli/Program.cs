using Stork.Cli;
using System.CommandLine;
using Stork.Get.Cli.Commands;

Verbosity.Apply(args);
HostContext.Args = args;
var root = new RootCommand("stork-get: install signed packages into many guests, sharing one copy per host");
foreach (var option in GlobalOptions.All) root.Options.Add(option);
root.Subcommands.Add(InitCommand.Create());
root.Subcommands.Add(RefreshCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(ShowCommand.Create());
root.Subcommands.Add(GuestCommand.Create());
root.Subcommands.Add(InstallCommand.Create());
root.Subcommands.Add(RemoveCommand.Create());
root.Subcommands.Add(AdoptCommand.Create());
root.Subcommands.Add(UpgradeCommand.Create());
root.Subcommands.Add(HoldCommands.Create(hold: true));
root.Subcommands.Add(HoldCommands.Create(hold: false));
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(ApplyCommand.Create());
root.Subcommands.Add(AgentCommand.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(HistoryCommand.Create());
root.Subcommands.Add(RollbackCommand.Create());
root.Subcommands.Add(RecoverCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(RepairCommand.Create());
root.Subcommands.Add(GcCommand.Create());
root.Subcommands.Add(CompleteCommand.Create());
foreach (var docs in DocsCommand.Create(root, new DynamicNames(CompleteCommand.Name, CompleteCommand.Arguments, CompleteCommand.OptionValues, CompleteCommand.PassedOn)))
    root.Subcommands.Add(docs);
using (Stork.Client.Diagnostics.PhaseTimings.Measure("command"))
    return await CommandRunner.RunAsync(root, args);
