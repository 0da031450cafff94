using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// stork-get adopt (-g G... | --all-guests) [NAME...]: packages of a guest's dpkg image that the repository publishes at
/// the image's version become Stork's, so the image is shared through the store like everything else.
/// </summary>
internal static class AdoptCommand
{
    public static Command Create()
    {
        var guests = GuestOption.Create();
        var all = GuestOption.CreateAll();
        var packages = new Argument<string[]>("packages")
        {
            Description = "Image packages to adopt (none: every image package the repository publishes at the image's version)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("adopt", "Make packages of guests' dpkg base images Stork's (verified file by file; shared through the store; no scripts run)")
        { guests, all, packages };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var host = new HostContext(result);
            var selected = GuestOption.Resolve(result, guests, all, host);
            using var session = host.OpenSession();
            var operations = new PackageOperations(session, host.Installer) { OnWarning = Output.Note };
            var reports = await operations.AdoptAsync(selected, result.GetValue(packages) ?? [], cancellation);
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(reports.Select(r => (JsonNode)new JsonObject
                {
                    ["guest"] = r.Guest,
                    ["adopted"] = new JsonArray(r.Adopted.Select(a => (JsonNode)a).ToArray()),
                    ["not_adopted"] = new JsonArray(r.NotAdopted.Select(n => (JsonNode)new JsonObject { ["name"] = n.Key, ["reason"] = n.Value }).ToArray()),
                    ["generation"] = r.Change?.Generation,
                    ["files_linked"] = r.Change?.FilesLinked ?? 0,
                    ["bytes_linked"] = r.Change?.BytesLinked ?? 0,
                }).ToArray()));
                return 0;
            }
            foreach (var report in reports)
            {
                foreach (var (name, why) in report.NotAdopted) Output.Note($"not adopted: {report.Guest}: {name}: {why}");
                if (Verbosity.Quiet(result)) continue;
                foreach (var adopted in report.Adopted) Console.WriteLine($"{report.Guest}: adopted {adopted}");
                var shared = report.Change is { } c ? $", {c.FilesLinked} files ({Bytes.Format(c.BytesLinked)}) shared through the store, generation {c.Generation}" : "";
                Console.WriteLine($"{report.Guest}: {report.Adopted.Count} adopted, {report.NotAdopted.Count} not adopted{shared}");
            }
            return 0;
        }));
        return command;
    }
}
