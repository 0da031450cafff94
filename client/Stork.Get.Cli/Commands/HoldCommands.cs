using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;
using Stork.Format.Errors;
using Stork.Format.Text;

namespace Stork.Get.Cli.Commands;

/// <summary>stork-get hold|unhold PKG... (-g G... | --all-guests): keep a package at its installed version (host state).</summary>
internal static class HoldCommands
{
    public static Command Create(bool hold)
    {
        var guests = GuestOption.Create();
        var all = GuestOption.CreateAll();
        var packages = new Argument<string[]>("packages") { Description = "Installed package names (none: list the holds)", Arity = ArgumentArity.ZeroOrMore };
        var command = hold
            ? new Command("hold", "Keep packages at their installed version through upgrade and install (none named: list holds)") { guests, all, packages }
            : new Command("unhold", "Let held packages be upgraded again") { guests, all, packages };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            var selected = GuestOption.Resolve(result, guests, all, host);
            var names = result.GetValue(packages) ?? [];
            if (!hold && names.Length == 0) throw new UsageException("name the packages to unhold");
            var holds = HoldList.Load(host.Paths);
            var json = new JsonArray();
            foreach (var guest in selected)
            {
                var installed = host.Installer.ListInstalled(guest);
                foreach (var name in names)
                {
                    if (hold && !installed.Any(p => p.Name == name))
                        throw new RequestException($"{name} is not installed in guest {guest}{Suggest.DidYouMean(name, installed.Select(p => p.Name))}");
                    bool changed = hold ? holds.Hold(guest, name) : holds.Unhold(guest, name);
                    var version = installed.FirstOrDefault(p => p.Name == name)?.Version;
                    var text = hold ? (changed ? $"{guest}: {name} held at {version}" : $"{guest}: {name} was already held")
                                    : (changed ? $"{guest}: {name} no longer held" : $"{guest}: {name} was not held");
                    if (GlobalOptions.WantsJson(result)) json.Add((JsonNode)new JsonObject { ["guest"] = guest, ["name"] = name, ["held"] = hold, ["changed"] = changed });
                    else if (!Verbosity.Quiet(result)) Console.WriteLine(text);
                }
                if (names.Length == 0)
                    foreach (var name in holds.Of(guest))
                    {
                        var version = installed.FirstOrDefault(p => p.Name == name)?.Version ?? "(not installed)";
                        if (GlobalOptions.WantsJson(result)) json.Add((JsonNode)new JsonObject { ["guest"] = guest, ["name"] = name, ["version"] = version });
                        else Console.WriteLine($"{guest}: {name} {version} held");
                    }
            }
            if (names.Length > 0) holds.Save();
            if (GlobalOptions.WantsJson(result)) Output.Json(json);
            return 0;
        }));
        return command;
    }
}
