using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Fleet;

namespace Stork.Get.Cli.Commands;

/// <summary>`stork-get status`: the record the last round of `agent` or `apply` wrote (FLEET.md, "Status records").</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show what the last fleet round (agent or apply) found and did, per guest");
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var paths = GlobalOptions.PathsOf(result);
            var record = HostStatus.TryRead(paths)
                ?? throw new Stork.Format.Errors.LocalException($"no status record yet ({HostStatus.PathOf(paths)}); run 'stork-get apply' or start 'stork-get agent'");
            if (GlobalOptions.WantsJson(result)) { Output.Json(record); return 0; }
            Print(record);
            return 0;
        }));
        return command;
    }

    private static string S(JsonNode? node) => node is JsonValue v ? v.ToString() : "";

    private static void Print(JsonObject r)
    {
        Console.WriteLine($"host {S(r["host"])}: {S(r["state"])} after round {S(r["round"])} (finished {S(r["finished"])}, metadata {S(r["metadata_version"])})");
        if (r["error"] is JsonObject e) Console.WriteLine($"  error ({S(e["kind"])}): {S(e["message"])}; {S(r["failures"])} failed round(s) in a row");
        if (r["plan_error"] is JsonValue p) Console.WriteLine($"  cannot apply: {S(p)}");
        foreach (var problem in (r["problems"] as JsonArray ?? []).OfType<JsonValue>()) Console.WriteLine($"  warning: {problem}");
        foreach (var deferred in (r["deferred"] as JsonArray ?? []).OfType<JsonValue>()) Console.WriteLine($"  rollout: {deferred}");
        if (r["next_round"] is JsonValue next) Console.WriteLine($"  next round: {next}");
        foreach (var g in (r["guests"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var installed = string.Join(", ", (g["installed"] as JsonArray ?? []).OfType<JsonObject>().Select(x => $"{S(x["name"])} {S(x["version"])}"));
            var state = g["converged"] is JsonValue c && c.GetValue<bool>() ? "converged" : "not converged";
            Console.WriteLine($"  guest {S(g["name"])}: {state}, generation {S(g["generation"])}, last change {(g["last_change"] is null ? "never" : S(g["last_change"]))}");
            Console.WriteLine($"    installed: {(installed.Length == 0 ? "(nothing)" : installed)}");
            if (g["desired"] is JsonArray want && g["converged"] is JsonValue cv && !cv.GetValue<bool>())
                Console.WriteLine($"    desired:   {string.Join(", ", want.OfType<JsonObject>().Select(x => $"{S(x["name"])} {S(x["version"])}"))}");
            if (g["last_error"] is JsonValue err) Console.WriteLine($"    error: {err}");
        }
    }
}
