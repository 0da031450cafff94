using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Client.Operations;
using Stork.Client.Packages;
using Stork.Client.Planning;

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
        if (outcome.Plan is { } plan)
        {
            json["plan"] = new JsonObject
            {
                ["complete"] = plan.Complete,
                ["link_mode"] = plan.LinkMode.Name(),
                ["add"] = Strings(plan.Packages.Added.Select(p => $"{p.Name} {p.Version}")),
                ["upgrade"] = Strings(plan.Packages.Upgraded.Where(u => !IsDowngrade(u.Old.Version, u.New.Version)).Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}")),
                ["downgrade"] = Strings(plan.Packages.Upgraded.Where(u => IsDowngrade(u.Old.Version, u.New.Version)).Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}")),
                ["remove"] = Strings(plan.Packages.Removed.Select(p => $"{p.Name} {p.Version}")),
                ["blobs_to_fetch"] = new JsonArray(plan.BlobsToFetch.Select(b => (JsonNode)new JsonObject
                { ["package"] = $"{b.Name} {b.Version}", [BlobId.AlgorithmOf(b.BlobSha256)] = b.BlobSha256, ["length"] = b.BlobLength }).ToArray()),
                ["files_unknown_for"] = Strings(plan.ManifestsUnknown.Select(p => $"{p.Name} {p.Version}")),
                ["actions"] = new JsonArray(plan.Actions.Select(a => (JsonNode)new JsonObject
                { ["action"] = ActionName(a.Kind, plan.LinkMode), ["path"] = "/" + a.WritePath }).ToArray()),
            };
        }
        if (outcome.Sizes is { } sizes)
        {
            json["download_bytes"] = sizes.DownloadBytes;
            json["download_blobs"] = sizes.DownloadBlobs;
            json["disk_change_bytes"] = sizes.DiskChange;
        }
        if (outcome.Report is { } r)
        {
            json["generation"] = r.Generation;
            json["link_mode"] = r.LinkMode?.Name() ?? "";
            json["new_configs"] = Strings(r.NewConfigs);
            json["added"] = JsonArrays.OfStrings(r.Added);
            json["removed"] = JsonArrays.OfStrings(r.Removed);
            json["upgraded"] = JsonArrays.OfStrings(r.Upgraded.Where(u => !IsDowngrade(u)));
            json["downgraded"] = JsonArrays.OfStrings(r.Upgraded.Where(IsDowngrade));
            json["files_linked"] = r.FilesLinked;
            json["files_copied"] = r.FilesCopied;
            json["bytes_linked"] = r.BytesLinked;
            json["kept_configs"] = JsonArrays.OfStrings(r.KeptConfigs);
            json["unreached"] = JsonArrays.OfStrings(r.Unreached);
        }
        return json;
    }

    /// <summary>"NAME OLD -> NEW" (the installer's wording) where NEW is lower than OLD.</summary>
    private static bool IsDowngrade(string change)
    {
        var parts = change.Split(' ');
        return parts.Length == 4 && IsDowngrade(parts[1], parts[3]);
    }

    private static bool IsDowngrade(string oldVersion, string newVersion)
        => NuGet.Versioning.NuGetVersion.TryParse(oldVersion, out var o) && NuGet.Versioning.NuGetVersion.TryParse(newVersion, out var n) && n < o;

    private static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray());

    public static string ActionName(FileActionKind kind, LinkMode linkMode) => kind switch
    {
        FileActionKind.Directory => "mkdir",
        FileActionKind.Share => linkMode == LinkMode.Reflink ? "reflink" : "link",
        FileActionKind.Copy => "copy",
        FileActionKind.Empty => "create-empty",
        FileActionKind.Symlink => "symlink",
        FileActionKind.KeepConfigWriteNew => "keep-config+write-new",
        FileActionKind.KeepConfig => "keep-config",
        FileActionKind.Remove => "remove",
        FileActionKind.RemoveDirectory => "rmdir",
        _ => kind.ToString(),
    };

    public static void Print(OperationOutcome outcome)
    {
        if (outcome.DryRun)
        {
            Console.WriteLine($"{outcome.Guest}: would have {outcome.Desired.Count} packages: {string.Join(", ", outcome.Desired.Select(d => $"{d.Name} {d.Version}"))}");
            if (outcome.Plan is { } plan) PrintPlan(plan);
            if (outcome.Sizes is { } sizes)
                Console.WriteLine($"  need to download {Bytes.Format(sizes.DownloadBytes)} ({sizes.DownloadBlobs} blob{(sizes.DownloadBlobs == 1 ? "" : "s")}); "
                    + (sizes.DiskChange is { } disk ? $"after this the guest's installed size {(disk >= 0 ? "grows" : "shrinks")} by {Bytes.Format(Math.Abs(disk))}" : "installed size change unknown (a package's signed entry has no size)"));
            return;
        }
        if (Output.Quiet) return;
        var r = outcome.Report!;
        var changes = new List<string>();
        if (r.Added.Count > 0) changes.Add($"added {string.Join(", ", r.Added)}");
        if (r.Upgraded.Any(u => !IsDowngrade(u))) changes.Add($"upgraded {string.Join(", ", r.Upgraded.Where(u => !IsDowngrade(u)))}");
        if (r.Upgraded.Any(IsDowngrade)) changes.Add($"downgraded {string.Join(", ", r.Upgraded.Where(IsDowngrade))}");
        if (r.Removed.Count > 0) changes.Add($"removed {string.Join(", ", r.Removed)}");
        var what = outcome.RolledBackTo is { } to ? $"rolled back to generation {to}" + (changes.Count == 0 ? "" : ": ") : "";
        Console.WriteLine($"{outcome.Guest}: {what}{(changes.Count == 0 ? (what.Length == 0 ? "nothing to do" : "") : string.Join("; ", changes))} ({r.FilesLinked} files linked, {r.FilesCopied} copied)");
        foreach (var kept in r.KeptConfigs) Console.WriteLine($"  kept your edited config file {kept}");
        foreach (var created in r.NewConfigs) Console.WriteLine($"  the package's new version is beside it: {created}");
        foreach (var unreached in r.Unreached) Console.WriteLine($"  not found, its directory is gone (moved away in the guest?): {unreached}; stork-get verify finds it if it is still linked to the store");
        if (r.Generation > 0 && r.Changed) Console.WriteLine($"  generation {r.Generation} (link mode {r.LinkMode?.Name()})");
    }

    private static void PrintPlan(InstallPlan plan)
    {
        void Line(string what, IEnumerable<string> items) { var list = items.ToList(); if (list.Count > 0) Console.WriteLine($"  {what}: {string.Join(", ", list)}"); }
        Line("install", plan.Packages.Added.Select(p => $"{p.Name} {p.Version}"));
        Line("upgrade", plan.Packages.Upgraded.Where(u => !IsDowngrade(u.Old.Version, u.New.Version)).Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}"));
        Line("DOWNGRADE", plan.Packages.Upgraded.Where(u => IsDowngrade(u.Old.Version, u.New.Version)).Select(u => $"{u.New.Name} {u.Old.Version} -> {u.New.Version}"));
        Line("remove", plan.Packages.Removed.Select(p => $"{p.Name} {p.Version}"));
        foreach (var b in plan.BlobsToFetch) Console.WriteLine($"  fetch (unless cached) {b.Name} {b.Version}: {b.BlobLength} bytes, {BlobId.AlgorithmOf(b.BlobSha256)} {b.BlobSha256[..16]}…");
        if (!plan.Complete)
            Console.WriteLine($"  file steps of {string.Join(", ", plan.ManifestsUnknown.Select(p => p.Name))} are known once their blobs are fetched; removals are decided then");
        var counts = plan.Actions.GroupBy(a => ActionName(a.Kind, plan.LinkMode)).Select(g => $"{g.Count()} {g.Key}");
        Console.WriteLine($"  {plan.Actions.Count} file steps (link mode {plan.LinkMode.Name()}): {string.Join(", ", counts)}");
        foreach (var a in plan.Actions) Console.WriteLine($"    {ActionName(a.Kind, plan.LinkMode),-22} /{a.WritePath}{(a.Reason is null ? "" : $"  ({a.Reason})")}");
    }
}
