using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Stork.Get.Cli.Commands;

/// <summary>stork-get history --guest G: the guest's generations, one per successful change.</summary>
internal static class HistoryCommand
{
    public static Command Create()
    {
        var guest = new Option<string>("--guest", "-g") { Description = "Guest name", Required = true };
        var command = new Command("history", "List a guest's generations (one per successful change)") { guest };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var name = result.GetValue(guest)!;
            host.Guests.Get(name);
            if (host.Installer.Recover(name) is { } recovered) Output.Note($"{name}: {recovered}");
            var generations = host.Database.Generations.List(name);
            var notes = Stork.Client.Operations.GenerationNotes.Read(host.Paths, name);
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
                }).ToArray()));
                return 0;
            }
            string By(int number) => notes.GetValueOrDefault(number) is { } n
                ? (n.SudoUser is null ? n.User : $"{n.SudoUser} (sudo, as {n.User})") + (n.ByApply ? ", by apply" : "")
                : "";
            Tables.Write(["gen", "created (UTC)", "change", "packages", "by", "command"], generations.Select(g => (IReadOnlyList<string>)[
                (g.Number == generations[^1].Number ? "*" : "") + g.Number, DateTimeOffset.FromUnixTimeSeconds(g.Created).ToString("yyyy-MM-dd HH:mm:ss"),
                g.Summary, g.Packages.Count.ToString(), By(g.Number), notes.GetValueOrDefault(g.Number)?.Command ?? ""]));
            return 0;
        }));
        return command;
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
        return Stork.Client.Guests.ScriptPolicy.For(config.ScriptRoles, packages, (name, version) => index.Find(name, version)?.Role);
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
