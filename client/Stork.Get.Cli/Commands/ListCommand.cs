using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Stork.Get.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var guest = new Option<string>("--guest", "-g") { Description = "Guest name", Required = true };
        var command = new Command("list", "List the packages installed in a guest") { guest };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var name = result.GetValue(guest)!;
            host.Guests.Get(name);
            if (host.Installer.Recover(name) is { } recovered) Output.Note($"{name}: {recovered}");
            var installed = host.Installer.ListInstalled(name);
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(installed.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["version"] = p.Version, ["manual"] = p.Manual }).ToArray()));
                return 0;
            }
            var table = new Table().AddColumns("package", "version", "installed as");
            foreach (var p in installed) table.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Version), p.Manual ? "requested" : "dependency");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
