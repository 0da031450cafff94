using Stork.Client.Guests;
using Stork.Client.Operations;
using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Client.State;
using Stork.Client.Store;

namespace Stork.Get.Cli.Commands;

/// <summary>stork-get recover: finish or undo interrupted changes of every guest.</summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var rebuild = new Option<bool>("--rebuild") { Description = "state.db is lost or damaged: rebuild it from the guests' files, the store and the cached packages (HOST-STATE.md)" };
        var guestRoots = new Option<string[]>("--guest-root") { Description = "With --rebuild: a guest as NAME=DIR (repeatable; adds to STATE/guest-roots.json)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("recover", "Finish or undo changes interrupted by a crash (every guest)") { rebuild, guestRoots };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            if (result.GetValue(rebuild)) return Rebuild(result, result.GetValue(guestRoots) ?? []);
            using var host = new HostContext(result);
            var done = host.Installer.RecoverAll();
            int rearmed = new StoreArming(host.Paths).ReArmAll();
            if (rearmed > 0) Output.Note($"re-armed the protection of {rearmed} store file(s)");
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonArray(done.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()));
            else Console.WriteLine(done.Count == 0 ? "nothing to recover" : string.Join('\n', done));
            return 0;
        }));
        return command;
    }

    private static int Rebuild(ParseResult result, string[] guestRoots)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in guestRoots)
        {
            var at = pair.IndexOf('=');
            if (at <= 0 || at == pair.Length - 1) throw new UsageException($"--guest-root: '{pair}' is not NAME=DIR");
            extra[pair[..at]] = pair[(at + 1)..];
        }
        var paths = GlobalOptions.PathsOf(result);
        var guests = new HostStateRebuilder(paths, TimeProvider.System) { OnNote = Output.Note }.Rebuild(extra);
        new StoreArming(paths).ReArmAll();
        if (GlobalOptions.WantsJson(result))
            Output.Json(new JsonArray(guests.Select(g => (JsonNode)new JsonObject
            {
                ["guest"] = g.Name,
                ["root"] = g.Root,
                ["packages"] = new JsonArray(g.Packages.Select(p => (JsonNode)JsonValue.Create($"{p.Name} {p.Version}")!).ToArray()),
            }).ToArray()));
        else
            foreach (var g in guests)
                Console.WriteLine($"{g.Name}: {(g.Packages.Count == 0 ? "no packages proven" : string.Join(", ", g.Packages.Select(p => $"{p.Name} {p.Version}")))}");
        return 0;
    }
}

/// <summary>stork-get verify [--guest G]: exit 6 when any installed file drifted.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var guests = new Option<string[]>("--guest", "-g") { Description = "Guest to check (repeatable; default: every guest)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("verify", "Check every installed file against its hash, type and mode; exit 6 on drift") { guests };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var names = SelectedGuests(host, result.GetValue(guests));
            var drift = host.Maintenance.Verify(names);
            if (GlobalOptions.WantsJson(result))
                Output.Json(new JsonObject
                {
                    ["guests"] = names.Count,
                    ["drift"] = new JsonArray(drift.Select(d => (JsonNode)new JsonObject { ["guest"] = d.Guest, ["path"] = d.Path, ["package"] = d.Package, ["kind"] = DriftKindText.Of(d.Kind), ["problem"] = d.Problem }).ToArray()),
                });
            else
            {
                foreach (var d in drift) Console.WriteLine(d.Kind == DriftKind.Orphan ? $"{d.Guest}: {d.Problem}" : $"{d.Guest}: {d.Path} ({d.Package}): {d.Problem}");
                Console.WriteLine(drift.Count == 0 ? $"{names.Count} guest(s) verified: no drift" : $"{drift.Count} path(s) drifted; fix with: stork-get repair");
            }
            return drift.Count == 0 ? 0 : ExitCodes.Guest;
        }));
        return command;
    }

    public static IReadOnlyList<string> SelectedGuests(HostContext host, string[]? requested)
    {
        if (requested is { Length: > 0 })
        {
            foreach (var g in requested) host.Guests.Get(g);
            return requested;
        }
        return host.Guests.ListGuests().Select(g => g.Name).ToList();
    }
}

/// <summary>stork-get repair [--guest G]: put drifted files back from the store.</summary>
internal static class RepairCommand
{
    public static Command Create()
    {
        var guests = new Option<string[]>("--guest", "-g") { Description = "Guest to repair (repeatable; default: every guest)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("repair", "Restore installed files that drifted, from the store") { guests };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            new StoreArming(host.Paths).ReArmAll();
            var all = new JsonArray();
            var selected = VerifyCommand.SelectedGuests(host, result.GetValue(guests));
            // A drifted shared inode is drift in every guest linking it: those guests are repaired too.
            var affected = result.GetValue(guests) is { Length: > 0 }
                ? host.Maintenance.Verify(selected).Select(d => d.Guest).Where(g => !selected.Contains(g)).Distinct().ToList()
                : [];
            foreach (var name in selected.Concat(affected))
            {
                var repaired = await host.Maintenance.RepairAsync(name, cancellation);
                if (GlobalOptions.WantsJson(result))
                    all.Add((JsonNode)new JsonObject { ["guest"] = name, ["repaired"] = new JsonArray(repaired.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()) });
                else
                    Console.WriteLine(repaired.Count == 0 ? $"{name}: nothing to repair" : $"{name}: repaired {string.Join(", ", repaired)}");
            }
            if (GlobalOptions.WantsJson(result)) Output.Json(all);
            return 0;
        }));
        return command;
    }
}

/// <summary>stork-get gc: free store content and blobs no guest generation references.</summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var keep = new Option<int?>("--keep-generations") { Description = "First drop all but the newest N generations of every guest" };
        var command = new Command("gc", "Free store files and cached blobs no guest generation references") { keep };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            host.Installer.RecoverAll();
            var r = await host.Maintenance.CollectGarbageAsync(result.GetValue(keep), cancellation);
            if (GlobalOptions.WantsJson(result))
                Output.Json(new JsonObject
                {
                    ["store_files_removed"] = r.StoreFilesRemoved,
                    ["store_bytes_freed"] = r.StoreBytesFreed,
                    ["blobs_removed"] = r.BlobsRemoved,
                    ["blob_bytes_freed"] = r.BlobBytesFreed,
                    ["manifests_removed"] = r.ManifestsRemoved,
                    ["generations_pruned"] = r.GenerationsPruned,
                    ["bytes_freed"] = r.BytesFreed,
                    ["store_files_still_linked"] = r.StoreFilesStillLinked,
                });
            else
                Console.WriteLine($"freed {r.BytesFreed} bytes: {r.StoreFilesRemoved} store files ({r.StoreBytesFreed} bytes), {r.BlobsRemoved} blobs ({r.BlobBytesFreed} bytes)" +
                    (r.GenerationsPruned > 0 ? $"; pruned {r.GenerationsPruned} generations" : "") +
                    (r.StoreFilesStillLinked > 0 ? $"; kept {r.StoreFilesStillLinked} unused store file(s) a guest still links outside any package (see: stork-get verify; release with: stork-get repair)" : ""));
            return 0;
        }));
        return command;
    }
}
