using Stork.Cli;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Stork.Client.Fleet;
using Stork.Format.Json;

namespace Stork.Get.Cli.Commands;

internal static class ApplyCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show one plan per guest, change nothing" };
        var watch = new Option<bool>("--watch") { Description = "Keep converging; each round costs one timestamp request when nothing changed" };
        var interval = new Option<string>("--interval") { Description = "Time between rounds with --watch: 30s, 5m, 1h", DefaultValueFactory = _ => "60s" };
        var command = new Command("apply", "Converge every guest of this host to the signed fleet manifests") { dryRun, watch, interval };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            var pause = ParseInterval(result.GetValue(interval)!);
            using var host = new HostContext(result);
            while (true)
            {
                using (var session = host.OpenSession())
                {
                    var outcome = await new FleetOperations(session, host.Guests, host.Installer).ApplyAsync(result.GetValue(dryRun), cancellation);
                    Print(outcome, GlobalOptions.WantsJson(result));
                }
                if (!result.GetValue(watch)) return 0;
                await Task.Delay(pause, cancellation);
            }
        }));
        return command;
    }

    private static void Print(FleetOutcome outcome, bool json)
    {
        foreach (var problem in outcome.Problems) Output.Note($"warning: {problem}");
        if (json)
        {
            Output.Json(new JsonObject
            {
                ["host"] = outcome.Host,
                ["manifests"] = outcome.Manifests,
                ["guests"] = JsonArrays.Of(outcome.Guests.Select(g => (JsonNode)OutcomePrinter.ToJson(g))),
                ["problems"] = JsonArrays.OfStrings(outcome.Problems),
            });
            return;
        }
        Console.WriteLine($"host {outcome.Host}: {outcome.Manifests} fleet manifest(s), {outcome.Guests.Count} guest(s)");
        foreach (var guest in outcome.Guests) OutcomePrinter.Print(guest);
    }

    internal static TimeSpan ParseInterval(string text)
    {
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? text[^1] : 's';
        var number = char.IsLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new Stork.Format.Errors.LocalException($"--interval: '{text}' is not a duration such as 30s, 5m or 1h");
        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new Stork.Format.Errors.LocalException($"--interval: unknown unit '{unit}' (use s, m or h)"),
        };
    }
}
