using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class OutcomePrinter
{
    public static JsonObject ToJson(OperationOutcome outcome)
    {
        var json = new JsonObject
        {
            ["guest"] = outcome.Guest,
            ["dry_run"] = outcome.DryRun,
            ["packages"] = new JsonArray(outcome.Desired.Select(d => (JsonNode)JsonValue.Create($"{d.Name} {d.Version}")!).ToArray()),
        };
        if (outcome.Report is { } r)
        {
            json["added"] = new JsonArray(r.Added.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
            json["removed"] = new JsonArray(r.Removed.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
            json["upgraded"] = new JsonArray(r.Upgraded.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
            json["files_linked"] = r.FilesLinked;
            json["files_copied"] = r.FilesCopied;
            json["bytes_linked"] = r.BytesLinked;
            json["kept_configs"] = new JsonArray(r.KeptConfigs.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        }
        return json;
    }

    public static void Print(OperationOutcome outcome)
    {
        if (outcome.DryRun)
        {
            Console.WriteLine($"{outcome.Guest}: would have {outcome.Desired.Count} packages: {string.Join(", ", outcome.Desired.Select(d => $"{d.Name} {d.Version}"))}");
            return;
        }
        var r = outcome.Report!;
        var changes = new List<string>();
        if (r.Added.Count > 0) changes.Add($"added {string.Join(", ", r.Added)}");
        if (r.Upgraded.Count > 0) changes.Add($"upgraded {string.Join(", ", r.Upgraded)}");
        if (r.Removed.Count > 0) changes.Add($"removed {string.Join(", ", r.Removed)}");
        Console.WriteLine($"{outcome.Guest}: {(changes.Count == 0 ? "nothing to do" : string.Join("; ", changes))} ({r.FilesLinked} files linked, {r.FilesCopied} copied)");
        foreach (var kept in r.KeptConfigs) Console.WriteLine($"  kept your edited config file {kept}");
    }
}
