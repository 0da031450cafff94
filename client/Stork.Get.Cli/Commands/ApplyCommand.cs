using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Fleet;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Get.Cli.Commands;

internal static class ApplyCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show one plan per guest, change nothing" };
        var watch = new Option<bool>("--watch") { Description = "Same as 'stork-get agent': keep converging until stopped" };
        var interval = new Option<string?>("--interval") { Description = "Time between rounds with --watch: 30s, 5m, 1h" };
        var command = new Command("apply", "Converge every guest of this host to the signed fleet manifests (and repair drifted files)") { dryRun, watch, interval };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            if (result.GetValue(watch))
            {
                if (result.GetValue(dryRun)) throw new AgentOptionException("--watch and --dry-run do not go together");
                return await AgentCommand.RunAsync(result, result.GetValue(interval), null, cancellation);
            }
            if (result.GetValue(interval) is not null) throw new AgentOptionException("--interval needs --watch (or use 'stork-get agent --interval')");
            var dry = result.GetValue(dryRun);
            using var host = new HostContext(result);
            using var session = host.OpenSession();
            var started = session.Time.GetUtcNow();
            var operations = new FleetOperations(session, host.Guests, host.Installer, host.Maintenance);
            FleetRound round;
            try
            {
                round = await operations.RoundAsync(dry, skipPlanIfFingerprint: null, cancellation);
            }
            catch (Exception e) when (!dry && e is StorkException)
            {
                StatusRecord.Write(host.Paths, session.Config.Host ?? Environment.MachineName, new RoundResult(0, started, session.Time.GetUtcNow(), null, e, 1, null), host.Database);
                throw;
            }
            if (!dry) StatusRecord.Write(host.Paths, round.Host, new RoundResult(0, started, session.Time.GetUtcNow(), round, null, 0, null), host.Database);
            Print(round, GlobalOptions.WantsJson(result));
            if (round.PlanError is not null) throw new RequestException(round.PlanError);
            var failed = round.Guests.Where(g => g.Error is not null).ToList();
            if (failed.Count > 0) throw new GuestException(string.Join("\n  ", failed.Select(g => $"guest {g.Guest}: {g.Error}")));
            return 0;
        }));
        return command;
    }

    private static void Print(FleetRound round, bool json)
    {
        foreach (var problem in round.Problems) Output.Note($"warning: {problem}");
        foreach (var deferred in round.Deferred) Output.Note($"rollout: {deferred}");
        if (json)
        {
            Output.Json(new JsonObject
            {
                ["host"] = round.Host,
                ["manifests"] = round.Manifests,
                ["metadata_version"] = round.MetadataVersion,
                ["guests"] = JsonArrays.Of(round.Guests.Select(g =>
                {
                    var o = OutcomePrinter.ToJson(g.ToOutcome());
                    o["repaired"] = JsonArrays.OfStrings(g.Repaired);
                    o["kept_adopted"] = JsonArrays.OfStrings(g.KeptAdopted);
                    if (g.Error is not null) o["error"] = g.Error;
                    return (JsonNode)o;
                })),
                ["problems"] = JsonArrays.OfStrings(round.Problems),
                ["deferred"] = JsonArrays.OfStrings(round.Deferred),
            });
            return;
        }
        var quiet = round.Guests.Count(g => !g.DryRun && !g.Changed && g.Error is null);
        Console.WriteLine($"host {round.Host}: {round.Manifests} fleet manifest(s), {round.Guests.Count} guest(s){(quiet > 0 ? $", {quiet} already converged" : "")}");
        foreach (var guest in round.Guests)
        {
            if (guest.DryRun || guest.Report is { Changed: true }) OutcomePrinter.Print(guest.ToOutcome());
            if (guest.KeptAdopted.Count > 0) Console.WriteLine($"guest {guest.Guest}: kept as adopted (the guest's dpkg image): {string.Join(", ", guest.KeptAdopted)}");
            if (guest.Repaired.Count > 0) Console.WriteLine($"guest {guest.Guest}: repaired {guest.Repaired.Count} drifted path(s): {string.Join(", ", guest.Repaired)}");
        }
    }
}
