using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Stork.Client.Guests;
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
        command.Subcommands.Add(CreateRemove());
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var deleteFiles = new Option<bool>("--delete-files") { Description = "Remove the guest's packages (edited config files stay) and unlink store files it still links elsewhere; without it the files stay, as private copies" };
        var deleteRoot = new Option<bool>("--delete-root") { Description = "Remove the guest's packages, then delete its whole root directory, the guest's own files included" };
        var command = new Command("remove", "Unregister a guest (gc then frees store content only it used)") { name, deleteFiles, deleteRoot };
        command.SetAction(CommandRunner.Guarded(async (result, ct) =>
        {
            using var host = new HostContext(result);
            var removal = new Stork.Client.Guests.GuestRemoval(host.Paths, host.Database, host.Installer) { OnWait = Output.Note };
            if (result.GetValue(deleteFiles) && result.GetValue(deleteRoot))
                throw new UsageException("--delete-files and --delete-root cannot be used together (--delete-root deletes everything)");
            var mode = result.GetValue(deleteRoot) ? GuestRemovalMode.DeleteRoot
                : result.GetValue(deleteFiles) ? GuestRemovalMode.DeleteFiles : GuestRemovalMode.Detach;
            var report = await removal.RemoveAsync(result.GetValue(name)!, mode, ct);
            if (GlobalOptions.WantsJson(result))
                Output.Json(new JsonObject
                {
                    ["name"] = report.Guest,
                    ["root"] = report.Root,
                    ["root_missing"] = report.RootWasMissing,
                    ["files_removed"] = report.FilesRemoved,
                    ["files_detached"] = report.FilesDetached,
                    ["kept_configs"] = new JsonArray(report.KeptConfigs.Select(k => (JsonNode)k).ToArray()),
                    ["entries_deleted"] = report.EntriesDeleted,
                    ["orphans_released"] = new JsonArray(report.OrphansReleased.Select(k => (JsonNode)k).ToArray()),
                });
            else
            {
                Console.WriteLine(report.RootWasMissing
                    ? $"guest {report.Guest} unregistered (its root {report.Root} was already gone)"
                    : mode switch
                    {
                        GuestRemovalMode.DeleteRoot => $"guest {report.Guest} unregistered; {report.FilesRemoved} file(s) of its packages removed, then its root {report.Root} deleted ({report.EntriesDeleted} entries)",
                        GuestRemovalMode.DeleteFiles => $"guest {report.Guest} unregistered; {report.FilesRemoved} file(s) of its packages removed from {report.Root}",
                        _ => $"guest {report.Guest} unregistered; its files stay in {report.Root} ({report.FilesDetached} shared file(s) replaced by private copies)",
                    });
                foreach (var kept in report.KeptConfigs) Console.WriteLine($"kept edited config file {kept}");
                foreach (var orphan in report.OrphansReleased) Console.WriteLine($"unlinked store file linked outside any package: {orphan}");
                Console.WriteLine("run 'stork-get gc' to free store content no other guest uses");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The option's value (already one of <see cref="LinkModes.All"/>: the parser accepts nothing else).</summary>
    private static LinkMode ParseLinkMode(string name)
        => LinkModes.TryParse(name, out var mode) ? mode : throw new UsageException($"'{name}' is not a link mode ({string.Join(", ", LinkModes.All)})");

    private static Command CreateSetLinkMode()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var mode = new Argument<string>("mode") { Description = "hardlink, reflink, copy or auto" };
        mode.AcceptOnlyFromAmong(LinkModes.All);
        var command = new Command("set-link-mode", "Change how store files reach a guest (applies to files written from now on; repair rewrites drifted ones)") { name, mode };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guest = host.Guests.SetLinkMode(result.GetValue(name)!, ParseLinkMode(result.GetValue(mode)!));
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonObject { ["name"] = guest.Name, ["link_mode"] = guest.LinkMode.Name() });
            else Console.WriteLine($"guest {guest.Name}: link mode {guest.LinkMode.Name()}");
            return 0;
        }));
        return command;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("name") { Description = "Guest name" };
        var root = new Option<string>("--root") { Description = "The guest's root directory (e.g. /var/lib/machines/NAME or /var/lib/lxc/NAME/rootfs)", Required = true };
        var linkMode = new Option<string>("--link-mode") { Description = "hardlink (default), reflink, copy, or auto (tries them in that order; the first file decides)", DefaultValueFactory = _ => LinkModes.HardLinkName };
        linkMode.AcceptOnlyFromAmong(LinkModes.All);
        var shareGroup = new Option<string>("--share-group") { Description = "Sharing group: hard links to store files are shared only among guests of one group (default: default); give mutually untrusted tenants different groups", DefaultValueFactory = _ => ShareGroups.Default };
        var baseImage = new Option<string>("--base") { Description = "The guest's base image: auto (default: a guest with /var/lib/dpkg/status has one), dpkg (required: its dpkg database must be there), or none (its dpkg database is neither read nor written)", DefaultValueFactory = _ => GuestBases.Auto };
        baseImage.AcceptOnlyFromAmong(GuestBases.All);
        var command = new Command("add", "Register a guest root directory") { name, root, linkMode, shareGroup, baseImage };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var guest = host.Guests.AddGuest(result.GetValue(name)!, Path.GetFullPath(result.GetValue(root)!), ParseLinkMode(result.GetValue(linkMode)!), result.GetValue(shareGroup)!, result.GetValue(baseImage)!);
            if (GlobalOptions.WantsJson(result)) Output.Json(new JsonObject { ["name"] = guest.Name, ["root"] = guest.Root, ["link_mode"] = guest.LinkMode.Name(), ["share_group"] = guest.ShareGroup, ["base"] = guest.Base });
            else Console.WriteLine($"guest {guest.Name} at {guest.Root} (link mode {guest.LinkMode.Name()}" + (guest.ShareGroup == ShareGroups.Default ? "" : $", sharing group {guest.ShareGroup}")
                + (guest.Base == GuestBases.Auto ? ")" : $", base {guest.Base})"));
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
                Output.Json(new JsonArray(guests.Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["root"] = g.Root, ["link_mode"] = g.LinkMode.Name(), ["link_mode_used"] = g.LinkModeUsed?.Name(), ["share_group"] = g.ShareGroup, ["base"] = g.Base, ["root_missing"] = !Stork.Client.Guests.GuestRoot.Exists(g.Root) }).ToArray()));
                return 0;
            }
            var table = new Table().AddColumns("guest", "root", "link mode", "sharing group", "packages", "generation");
            foreach (var g in guests)
                table.AddRow(Markup.Escape(g.Name), Markup.Escape(g.Root) + (Stork.Client.Guests.GuestRoot.Exists(g.Root) ? "" : " [red](missing)[/]"), g.LinkModeUsed is { } used && used != g.LinkMode ? $"{g.LinkMode.Name()} ({used.Name()})" : g.LinkMode.Name(), Markup.Escape(g.ShareGroup),
                    host.Installer.ListInstalled(g.Name).Count.ToString(), host.Database.Generations.Current(g.Name).ToString());
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
