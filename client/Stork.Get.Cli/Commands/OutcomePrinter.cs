using System.Text.Json.Nodes;
using Stork.Format.Json;
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
            ["packages"] = JsonArrays.OfStrings(outcome.Desired.Select(d => $"{d.Name} {d.Version}")),
        };
        if (outcome.Report is { } r)
        {
            json["added"] = JsonArrays.OfStrings(r.Added);
            json["removed"] = JsonArrays.OfStrings(r.Removed);
            json["upgraded"] = JsonArrays.OfStrings(r.Upgraded);
            json["files_linked"] = r.FilesLinked;
            json["files_copied"] = r.FilesCopied;
            json["bytes_linked"] = r.BytesLinked;
            json["kept_configs"] = JsonArrays.OfStrings(r.KeptConfigs);
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
