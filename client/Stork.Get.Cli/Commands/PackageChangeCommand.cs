using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// install, remove and upgrade share one shape: guests chosen with -g (globs) or --all-guests, package arguments,
/// --dry-run and --offline; one plan per guest, printed the same way.
/// </summary>
internal static class PackageChangeCommand
{
    public delegate Task<OperationOutcome> Change(PackageOperations operations, string guest, string[] packages, bool dryRun, CancellationToken cancellation);

    public static Command Create(string name, string description, Argument<string[]> packages, Change change, string offlineHelp, bool withProgress = true)
    {
        var guests = GuestOption.Create();
        var all = GuestOption.CreateAll();
        var dryRun = new Option<bool>("--dry-run") { Description = "Resolve and print the plan with download size and disk change, change nothing" };
        var offline = new Option<bool>("--offline") { Description = offlineHelp };
        var command = new Command(name, description) { guests, all, packages, dryRun, offline };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            var selected = GuestOption.Resolve(result, guests, all, host);
            using var session = host.OpenSession();
            var operations = new PackageOperations(session, host.Installer) { Offline = result.GetValue(offline), OnWarning = Output.Note };
            // A failed maintainer script is that guest's error: the other guests of the command still change.
            var scriptFailures = new List<string>();
            async Task<List<OperationOutcome>> RunAll()
            {
                var list = new List<OperationOutcome>();
                foreach (var guest in selected)
                {
                    try { list.Add(await change(operations, guest, result.GetValue(packages) ?? [], result.GetValue(dryRun), cancellation)); }
                    catch (Stork.Client.Guests.MaintainerScriptException e) when (selected.Count > 1) { scriptFailures.Add(e.Message); }
                }
                return list;
            }
            // auto link mode decides on a guest's first file; say once (that first time) when it fell back from hard links.
            var undecided = host.Guests.ListGuests().Where(g => g.LinkMode == Stork.Client.Model.LinkMode.Auto && g.LinkModeUsed is null)
                .Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
            var done = withProgress ? await ProgressBars.RunAsync(result, session, RunAll) : await RunAll();
            foreach (var outcome in done)
                if (undecided.Contains(outcome.Guest) && outcome.Report is { LinkMode: { } used } && used != Stork.Client.Model.LinkMode.HardLink)
                    Output.Note($"warning: guest {outcome.Guest}: link mode auto fell back from hard links to {used.Name()} (the guest root is on another file system than the store, or hard links are refused there); files take their own disk space");
            foreach (var note in done.SelectMany(o => o.Report?.ScriptNotes ?? [])) Output.Note("note: " + note);
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(done.Select(o => (JsonNode)OutcomePrinter.ToJson(o)).ToArray()));
                if (scriptFailures.Count > 0) throw new GuestException(string.Join("; ", scriptFailures));
                return 0;
            }
            foreach (var outcome in done) OutcomePrinter.Print(outcome);
            if (scriptFailures.Count > 0) throw new GuestException(string.Join("; ", scriptFailures));
            return 0;
        }));
        return command;
    }
}
