using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;
using Stork.Format.Json;

namespace Stork.Get.Cli.Commands;

internal static class InitCommand
{
    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "Base URL of the repository (the served folder)", Required = true };
        var root = new Option<string>("--root") { Description = "The root.json to trust, obtained out of band (no trust on first use)", Required = true };
        var host = new Option<string?>("--host") { Description = "This host's name in fleet manifests (default: the machine's host name)" };
        var force = new Option<bool>("--force") { Description = "Replace an existing trusted root or repository (other stork.json settings are kept)" };
        var command = new Command("init", "Pin the repository and its trusted root on this host") { repo, root, host, force };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var paths = GlobalOptions.PathsOf(result);
            var done = HostSession.Init(paths, result.GetValue(repo)!, result.GetValue(root)!, TimeProvider.System, result.GetValue(host), result.GetValue(force));
            // The host's own key signs the agent's status reports (report_url); init again keeps it.
            var hostKey = Stork.Client.Fleet.HostKey.Ensure(paths);
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonObject { ["changed"] = JsonArrays.OfStrings(done.Changed), ["kept"] = JsonArrays.OfStrings(done.Kept), ["state"] = paths.StateDir, ["host_key"] = hostKey.PublicHex });
                return 0;
            }
            if (done.Changed.Count == 0) { Console.WriteLine($"already initialised with this root and repository; nothing changed (state in {paths.StateDir}; host key {hostKey.PublicHex})"); return 0; }
            Console.WriteLine($"trusting {result.GetValue(root)} for {result.GetValue(repo)}; state in {paths.StateDir}");
            foreach (var change in done.Changed) Console.WriteLine($"  changed {change}");
            if (done.Kept.Count > 0) Console.WriteLine($"  kept {string.Join(", ", done.Kept)}");
            Console.WriteLine($"host key: ed25519 {hostKey.PublicHex} ({Stork.Client.Fleet.HostKey.PathOf(paths)})");
            return 0;
        }));
        return command;
    }
}
