using Stork.Cli;
using System.CommandLine;
using System.Diagnostics;
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
// Key hygiene (SPEC.md §8.1): private key files readable by group or others are refused unless --force is given.
root.Options.Add(new Option<bool>("--force") { Recursive = true, Description = "Use private key files readable by group or others (with a warning) instead of refusing them" });
Stork.Publishing.Repository.KeyStore.AllowLoosePermissions = args.Contains("--force");
foreach (var option in PublishOutput.All) root.Options.Add(option);
PublishOutput.Apply(args);
foreach (var docs in DocsCommand.Create(root)) root.Subcommands.Add(docs);
var started = Stopwatch.GetTimestamp();
var code = await CommandRunner.RunAsync(root, args);
if (code == 0) PublishOutput.Flush();
if (PublishOutput.IsVerbose) Console.Error.WriteLine($"took {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s");
return code;
