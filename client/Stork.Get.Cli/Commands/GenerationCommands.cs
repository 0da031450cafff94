using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// stork-get history --guest G: the guest's generations, one per successful change, with the maintainer scripts each
/// change ran and how they ended; --scripts GEN prints those runs with their captured output.
/// </summary>
internal static class HistoryCommand
{
    public static Command Create()
    {
        var guest = new Option<string>("--guest", "-g") { Description = "Guest name", Required = true };
        var scriptsOf = new Option<int?>("--scripts") { Description = "Show the maintainer scripts run for this generation, with their output", HelpName = "GEN" };
        var command = new Command("history", "List a guest's generations (one per successful change) and the maintainer scripts each ran") { guest, scriptsOf };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var name = result.GetValue(guest)!;
            host.Guests.Get(name);
            if (host.Installer.Recover(name) is { } recovered) Output.Note($"{name}: {recovered}");
            var generations = host.Database.Generations.List(name);
            var notes = Stork.Client.Operations.GenerationNotes.Read(host.Paths, name);
            var runs = Stork.Client.Guests.ScriptHistory.Read(host.Paths.StateDir, name).ToLookup(r => r.Generation);
            if (result.GetValue(scriptsOf) is { } wanted) return ShowScripts(result, name, wanted, generations.Any(g => g.Number == wanted), runs[wanted].ToList());
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(generations.Select(g => (JsonNode)new JsonObject
                {
                    ["generation"] = g.Number,
                    ["created"] = DateTimeOffset.FromUnixTimeSeconds(g.Created).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["summary"] = g.Summary,
                    ["current"] = g.Number == generations[^1].Number,
                    ["packages"] = new JsonArray(g.Packages.Select(p => (JsonNode)JsonValue.Create($"{p.Name} {p.Version}")!).ToArray()),
                    ["command"] = notes.GetValueOrDefault(g.Number)?.Command,
                    ["user"] = notes.GetValueOrDefault(g.Number)?.User,
                    ["sudo_user"] = notes.GetValueOrDefault(g.Number)?.SudoUser,
                    ["apply"] = notes.GetValueOrDefault(g.Number)?.ByApply,
                    ["scripts"] = new JsonArray(runs[g.Number].Select(r => (JsonNode)RunJson(r, withOutput: false)).ToArray()),
                }).ToArray()));
                return 0;
            }
            string By(int number) => notes.GetValueOrDefault(number) is { } n
                ? (n.SudoUser is null ? n.User : $"{n.SudoUser} (sudo, as {n.User})") + (n.ByApply ? ", by apply" : "")
                : "";
            Tables.Write(["gen", "created (UTC)", "change", "packages", "scripts", "by", "command"], generations.Select(g => (IReadOnlyList<string>)[
                (g.Number == generations[^1].Number ? "*" : "") + g.Number, DateTimeOffset.FromUnixTimeSeconds(g.Created).ToString("yyyy-MM-dd HH:mm:ss"),
                g.Summary, g.Packages.Count.ToString(), ScriptsSummary(runs[g.Number].ToList()), By(g.Number), notes.GetValueOrDefault(g.Number)?.Command ?? ""]));
            if (runs.Any(r => !r.All(x => x.Succeeded)))
                Output.Note($"a generation's scripts and their output: stork-get history --guest {name} --scripts GEN");
            return 0;
        }));
        return command;
    }

    // "12 ok", "11 ok, 1 failed": the runs filed under one generation.
    private static string ScriptsSummary(IReadOnlyList<Stork.Client.Guests.ScriptRecord> runs)
    {
        if (runs.Count == 0) return "";
        int failed = runs.Count(r => !r.Succeeded);
        return failed == 0 ? $"{runs.Count} ok" : $"{runs.Count - failed} ok, {failed} failed";
    }

    // The same writer as the stored line (ScriptHistory), with history's own fields: "ok", and the output when shown.
    private static JsonObject RunJson(Stork.Client.Guests.ScriptRecord run, bool withOutput) =>
        Stork.Client.Guests.ScriptHistory.ToJson(run, Stork.Client.Guests.ScriptJsonFields.Ok | (withOutput ? Stork.Client.Guests.ScriptJsonFields.Output : 0));

    private static int ShowScripts(System.CommandLine.ParseResult result, string guest, int generation, bool exists,
        IReadOnlyList<Stork.Client.Guests.ScriptRecord> runs)
    {
        // A change that stopped before its first generation (a failed preinst of a new guest) files its runs under 0.
        if (!exists && runs.Count == 0 && generation != 0)
            throw new Stork.Client.Model.GuestException($"guest '{guest}' has no generation {generation} (see: stork-get history --guest {guest})");
        if (GlobalOptions.WantsJson(result))
        {
            Output.Json(new JsonArray(runs.Select(r => (JsonNode)RunJson(r, withOutput: true)).ToArray()));
            return 0;
        }
        if (runs.Count == 0) Output.Note($"guest {guest}: no maintainer script ran for generation {generation}");
        foreach (var run in runs)
        {
            Console.WriteLine($"=== {run.Time:yyyy-MM-dd HH:mm:ss} {run.Call}: {run.Outcome}" +
                (run.CutChars > 0 ? $" ({run.CutChars} characters of output cut)" : ""));
            Console.Write(run.Output);
        }
        return 0;
    }
}

/// <summary>stork-get rollback --guest G [--to N]: back to an earlier generation's package set, as a new generation.</summary>
internal static class RollbackCommand
{
    // Scripts run in a rollback as in any change: the signing role of each version comes from the stored (verified)
    // metadata, read without network; a host that allows no role's scripts never opens it.
    private static Stork.Client.Guests.ScriptPolicy? ScriptsFor(HostContext host, IEnumerable<(string Name, string Version)> packages)
    {
        if (!File.Exists(Stork.Client.Config.ClientConfig.PathIn(host.Paths.ConfigDir))) return null; // never initialised: no policy
        var config = Stork.Client.Config.ClientConfig.Load(host.Paths.ConfigDir);
        if (config.ScriptRoles is not { Count: > 0 }) return null;
        using var session = host.OpenSession();
        var index = session.LoadIndexOffline(Output.Note);
        return Stork.Client.Guests.ScriptPolicy.For(config.ScriptRoles, packages, (name, version) => index.Find(name, version)?.Role, config.ScriptTimeLimit);
    }

    public static Command Create()
    {
        var guest = new Option<string>("--guest", "-g") { Description = "Guest name", Required = true };
        var to = new Option<int?>("--to") { Description = "Generation to return to (default: the one before the current)" };
        var command = new Command("rollback", "Return a guest to an earlier generation (recorded as a new generation)") { guest, to };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            var name = result.GetValue(guest)!;
            host.Guests.Get(name);
            var report = await host.Maintenance.RollbackAsync(name, result.GetValue(to), cancellation, packages => ScriptsFor(host, packages));
            var outcome = new Stork.Client.Operations.OperationOutcome(name, [], report, false) { RolledBackTo = result.GetValue(to) ?? report.Generation - 2 };
            if (GlobalOptions.WantsJson(result)) Output.Json(OutcomePrinter.ToJson(outcome));
            else OutcomePrinter.Print(outcome);
            return 0;
        }));
        return command;
    }
}
