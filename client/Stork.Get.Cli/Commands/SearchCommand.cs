using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class SearchCommand
{
    public static Command Create()
    {
        var text = new Argument<string>("text") { Description = "Part of a package name or summary", DefaultValueFactory = _ => "" };
        var command = new Command("search", "Search the stored signed metadata (run refresh first)") { text };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var session = HostSession.Open(GlobalOptions.PathsOf(result));
            var index = session.LoadIndexOffline();
            var hits = index.Search(result.GetValue(text) ?? "");
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(hits.Select(h => (JsonNode)new JsonObject { ["name"] = h.Name, ["version"] = h.Version, ["summary"] = h.Summary }).ToArray()));
                return 0;
            }
            var table = new Table().AddColumns("name", "newest", "summary");
            foreach (var hit in hits) table.AddRow(Markup.Escape(hit.Name), Markup.Escape(hit.Version), Markup.Escape(hit.Summary));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
