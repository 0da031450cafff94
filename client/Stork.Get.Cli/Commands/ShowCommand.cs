using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Client.Operations;
using Stork.Format.Errors;

namespace Stork.Get.Cli.Commands;

internal static class ShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Package name" };
        var command = new Command("show", "Show every version of a package with its dependencies") { name };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var session = HostSession.Open(GlobalOptions.PathsOf(result));
            var index = session.LoadIndexOffline();
            var packageName = result.GetValue(name)!;
            var versions = index.VersionsOf(packageName);
            if (versions.Count == 0) throw new RequestException($"no package named '{packageName}' in the repository");
            var json = new JsonArray();
            foreach (var entry in versions)
            {
                var c = entry.Candidate;
                json.Add((JsonNode)new JsonObject
                {
                    ["name"] = entry.Name, ["version"] = entry.Version, ["summary"] = entry.Summary,
                    ["depends"] = new JsonArray(c.Depends.Select(clause => (JsonNode)JsonArrays.OfStrings(clause.Select(a => a.ToString()))).ToArray()),
                    ["provides"] = JsonArrays.OfStrings(c.Provides.Select(p => p.ToString())),
                    ["conflicts"] = JsonArrays.OfStrings(c.Conflicts.Select(p => p.ToString())),
                    ["sha256"] = entry.Target.Sha256, ["length"] = entry.Target.Length, ["target"] = entry.TargetPath,
                });
                if (GlobalOptions.WantsJson(result)) continue;
                Console.WriteLine($"{entry.Name} {entry.Version}: {entry.Summary}");
                if (c.Depends.Count > 0) Console.WriteLine($"  depends:   {string.Join("; ", c.Depends.Select(cl => string.Join(" | ", cl)))}");
                if (c.Provides.Count > 0) Console.WriteLine($"  provides:  {string.Join(", ", c.Provides)}");
                if (c.Conflicts.Count > 0) Console.WriteLine($"  conflicts: {string.Join(", ", c.Conflicts)}");
                Console.WriteLine($"  blob:      {entry.TargetPath} ({entry.Target.Length} bytes, sha256 {entry.Target.Sha256})");
            }
            if (GlobalOptions.WantsJson(result)) Output.Json(json);
            return 0;
        }));
        return command;
    }
}
