using Stork.Cli;
using System.CommandLine;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class InitCommand
{
    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "Base URL of the repository (the served folder)", Required = true };
        var root = new Option<string>("--root") { Description = "The root.json to trust, obtained out of band (no trust on first use)", Required = true };
        var host = new Option<string?>("--host") { Description = "This host's name in fleet manifests (default: the machine's host name)" };
        var command = new Command("init", "Pin the repository and its trusted root on this host") { repo, root, host };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var paths = GlobalOptions.PathsOf(result);
            HostSession.Init(paths, result.GetValue(repo)!, result.GetValue(root)!, TimeProvider.System, result.GetValue(host));
            Console.WriteLine($"trusting {result.GetValue(root)} for {result.GetValue(repo)}; state in {paths.StateDir}");
            // The host's own key signs the agent's status reports (report_url); init again keeps it.
            var hostKey = Stork.Client.Fleet.HostKey.Ensure(paths);
            Console.WriteLine($"host key: ed25519 {hostKey.PublicHex} ({Stork.Client.Fleet.HostKey.PathOf(paths)})");
            return 0;
        }));
        return command;
    }
}
