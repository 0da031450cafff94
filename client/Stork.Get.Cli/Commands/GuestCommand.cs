using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Stork.Get.Cli.Commands;

internal static class GuestCommand
{
    public static Command Create()
    {
        var command = new Command("guest", "Register and list guest root directories");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        return command;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var root = new Option<string>("--root") { Description = "The guest's root directory (e.g. /var/lib/machines/NAME or /var/lib/lxc/NAME/rootfs)", Required = true };
        var command = new Command("add", "Register a guest root directory") { name, root };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guest = host.Guests.AddGuest(result.GetValue(name)!, Path.GetFullPath(result.GetValue(root)!));
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonObject { ["name"] = guest.Name, ["root"] = guest.Root });
            else Console.WriteLine($"guest {guest.Name} at {guest.Root}");
            return 0;
        }));
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List registered guests");
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guests = host.Guests.ListGuests();
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(guests.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["root"] = g.Root }).ToArray()));
                return 0;
            }
            var table = new Table().AddColumns("guest", "root", "packages");
            foreach (var g in guests) table.AddRow(Markup.Escape(g.Name), Markup.Escape(g.Root), host.Installer.ListInstalled(g.Name).Count.ToString());
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
