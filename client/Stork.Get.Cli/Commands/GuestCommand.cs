using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stork.Client.State;

namespace Stork.Get.Cli.Commands;

internal static class GuestCommand
{
    public static Command Create()
    {
        var command = new Command("guest", "Register and list guest root directories");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateSetLinkMode());
        return command;
    }

    private static Command CreateSetLinkMode()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var mode = new Argument<string>("mode") { Description = "hardlink, reflink, copy or auto" };
        mode.AcceptOnlyFromAmong(GuestLinkModes.All);
        var command = new Command("set-link-mode", "Change how store files reach a guest (applies to files written from now on; repair rewrites drifted ones)") { name, mode };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guest = host.Guests.SetLinkMode(result.GetValue(name)!, result.GetValue(mode)!);
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonObject { ["name"] = guest.Name, ["link_mode"] = guest.LinkMode });
            else Console.WriteLine($"guest {guest.Name}: link mode {guest.LinkMode}");
            return 0;
        }));
        return command;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var root = new Option<string>("--root") { Description = "The guest's root directory (e.g. /var/lib/machines/NAME or /var/lib/lxc/NAME/rootfs)", Required = true };
        var linkMode = new Option<string>("--link-mode") { Description = "hardlink (default), reflink, copy, or auto (tries them in that order; the first file decides)", DefaultValueFactory = _ => GuestLinkModes.HardLink };
        linkMode.AcceptOnlyFromAmong(GuestLinkModes.All);
        var command = new Command("add", "Register a guest root directory") { name, root, linkMode };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guest = host.Guests.AddGuest(result.GetValue(name)!, Path.GetFullPath(result.GetValue(root)!), result.GetValue(linkMode)!);
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonObject { ["name"] = guest.Name, ["root"] = guest.Root, ["link_mode"] = guest.LinkMode });
            else Console.WriteLine($"guest {guest.Name} at {guest.Root} (link mode {guest.LinkMode})");
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
                Output.Json(new JsonArray(guests.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["root"] = g.Root, ["link_mode"] = g.LinkMode, ["link_mode_used"] = g.LinkModeUsed }).ToArray()));
                return 0;
            }
            var table = new Table().AddColumns("guest", "root", "link mode", "packages", "generation");
            foreach (var g in guests)
                table.AddRow(Markup.Escape(g.Name), Markup.Escape(g.Root), g.LinkModeUsed is { } used && used != g.LinkMode ? $"{g.LinkMode} ({used})" : g.LinkMode,
                    host.Installer.ListInstalled(g.Name).Count.ToString(), host.Database.CurrentGeneration(g.Name).ToString());
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
