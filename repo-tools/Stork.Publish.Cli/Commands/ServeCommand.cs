using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Serving;

namespace Stork.Publish.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("repo") { Description = "Repository directory, or the folder to serve" };
        var address = new Option<string>("--address") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => 8080 };
        var command = new Command("serve", "Serve the repository over HTTP for quick starts (use nginx or a CDN in production; -q: no request log)") { path, address, port };
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            var dir = Path.GetFullPath(result.GetValue(path)!);
            var publicDir = Directory.Exists(Path.Combine(dir, "public")) ? Path.Combine(dir, "public") : dir;
            var prefix = $"http://{result.GetValue(address)}:{result.GetValue(port)}/";
            using var server = new StaticServer(publicDir, prefix, PublishOutput.IsQuiet || PublishOutput.AsJson ? null : Console.WriteLine);
            PublishOutput.Say($"serving {publicDir} at {prefix} (Ctrl+C to stop)");
            // A server runs until stopped: its JSON document comes first, when it is listening.
            PublishOutput.Set("serving", publicDir);
            PublishOutput.Set("url", prefix);
            PublishOutput.Flush();
            await server.RunAsync(cancellation);
            return 0;
        }));
        return command;
    }
}
