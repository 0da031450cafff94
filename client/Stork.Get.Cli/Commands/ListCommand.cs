using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var guests = GuestOption.Create();
        var all = GuestOption.CreateAll();
        var upgradable = new Option<bool>("--upgradable") { Description = "Only packages 'upgrade' would move, with the version it picks (from the stored signed metadata)" };
        var command = new Command("list", "List the packages installed in guests") { guests, all, upgradable };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var selected = GuestOption.Resolve(result, guests, all, host);
            var json = GlobalOptions.WantsJson(result);
            var holds = HoldList.Load(host.Paths);
            if (result.GetValue(upgradable))
            {
                using var session = host.OpenSession();
                var operations = new PackageOperations(session, host.Installer) { OnWarning = Output.Note };
                var rows = selected.SelectMany(operations.ListUpgradable).ToList();
                if (json)
                {
                    Output.Json(new JsonArray(rows.Select(u => (JsonNode)new JsonObject
                    { ["guest"] = u.Guest, ["name"] = u.Name, ["installed"] = u.Installed, ["candidate"] = u.Candidate, ["held"] = u.Held }).ToArray()));
                    return 0;
                }
                if (rows.Count == 0) { if (!Output.Quiet) Console.WriteLine("every package is at the newest allowed version"); return 0; }
                Tables.Write(["guest", "package", "installed", "upgrade to"],
                    rows.Select(u => (IReadOnlyList<string>)[u.Guest, u.Name, u.Installed, u.Held ? $"{u.Candidate} (held)" : u.Candidate]));
                return 0;
            }
            var listed = new List<(string Guest, Stork.Client.Model.InstalledPackage Package)>();
            foreach (var name in selected)
            {
                if (host.Installer.Recover(name) is { } recovered) Output.Note($"{name}: {recovered}");
                listed.AddRange(host.Installer.ListInstalled(name).Select(p => (name, p)));
            }
            if (json)
            {
                Output.Json(new JsonArray(listed.Select(l => (JsonNode)new JsonObject
                {
                    ["guest"] = l.Guest,
                    ["name"] = l.Package.Name,
                    ["version"] = l.Package.Version,
                    ["debian_version"] = host.Installer.DebianVersionOf(l.Package),
                    ["manual"] = l.Package.Manual,
                    ["held"] = holds.Of(l.Guest).Contains(l.Package.Name),
                }).ToArray()));
                return 0;
            }
            string As(string guest, Stork.Client.Model.InstalledPackage p) => (p.Manual ? "requested" : "dependency") + (holds.Of(guest).Contains(p.Name) ? ", held" : "");
            // Debian packages by their Debian version; --json has both.
            string Version(Stork.Client.Model.InstalledPackage p) => host.Installer.DebianVersionOf(p) ?? p.Version;
            if (selected.Count == 1)
                Tables.Write(["package", "version", "installed as"], listed.Select(l => (IReadOnlyList<string>)[l.Package.Name, Version(l.Package), As(l.Guest, l.Package)]));
            else
                Tables.Write(["guest", "package", "version", "installed as"], listed.Select(l => (IReadOnlyList<string>)[l.Guest, l.Package.Name, Version(l.Package), As(l.Guest, l.Package)]));
            return 0;
        }));
        return command;
    }
}
