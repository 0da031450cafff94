using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class RefreshCommand
{
    public static Command Create()
    {
        var command = new Command("refresh", "Update the signed metadata (TUF client workflow: root, timestamp, snapshot, targets)");
        command.SetAction(CommandRunner.Guarded(async (result, cancellation) =>
        {
            using var session = HostSession.Open(GlobalOptions.PathsOf(result), onMirrorNotice: m => Output.Note($"warning: {m}"));
            var (index, refresh) = await session.RefreshSummaryAsync(cancellation);
            if (GlobalOptions.WantsJson(result))
                Output.Json(new JsonObject
                {
                    ["root"] = refresh.RootVersion,
                    ["timestamp"] = refresh.TimestampVersion,
                    ["snapshot"] = refresh.SnapshotVersion,
                    ["targets"] = refresh.TargetsVersion,
                    ["changed"] = refresh.Changed,
                    ["requests"] = refresh.Requests,
                    ["bytes"] = refresh.BytesDownloaded,
                    ["packages"] = index.Names,
                });
            else
                Console.WriteLine($"{(refresh.Changed ? "updated" : "up to date")}: root v{refresh.RootVersion}, timestamp v{refresh.TimestampVersion}, snapshot v{refresh.SnapshotVersion}, targets v{refresh.TargetsVersion}; {index.Names} packages ({refresh.Requests} requests, {refresh.BytesDownloaded} bytes)");
            foreach (var problem in index.Problems) Output.Note($"warning: ignoring unreadable package entry {problem}");
            return 0;
        }));
        return command;
    }
}
