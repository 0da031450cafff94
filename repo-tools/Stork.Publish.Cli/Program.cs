using Stork.Cli;
using System.CommandLine;
using Stork.Publish.Cli.Commands;

var root = new RootCommand("stork-publish: build Stork packages and publish them as a signed, static TUF repository")
{
    InitCommand.Create(),
    BuildCommand.Create(),
    AddCommand.Create(),
    PublishCommand.Create(),
    TimestampCommand.Create(),
    VerifyCommand.Create(),
    ServeCommand.Create(),
    FleetCommand.Create(),
    KeyCommand.Create(),
    ThresholdCommand.Create(),
    RootCommands.Create(),
    SignCommand.Create(),
    DelegateCommand.Create(),
    BinsCommand.Create(),
    DebVersionCommand.Create(),
    ImportDebCommand.Create(),
    ListRemoveCommands.CreateList(),
    ListRemoveCommands.CreateRemove(),
};
return await CommandRunner.RunAsync(root, args);
