using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Config;
using Stork.Client.Fleet;
using Stork.Format.Errors;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// `stork-get agent`: the host service (systemd/stork-agent.service). Rounds of refresh, plan, apply and drift repair,
/// a status record after each, retries with backoff, and a clean stop on SIGTERM/SIGINT (FLEET.md, "The agent").
/// </summary>
internal static class AgentCommand
{
    public static readonly Option<string?> Interval = new("--interval") { Description = "Time between rounds: 30s, 5m, 1h (default: agent.interval_seconds in stork.json, else 5m)" };
    public static readonly Option<string?> Splay = new("--splay") { Description = "Largest per-host delay of the first round (default: the interval, at most 5m; 0 for none)" };

    public static Command Create()
    {
        var command = new Command("agent", "Keep this host's guests converged to the fleet manifests, round after round (runs until stopped)") { Interval, Splay };
        command.SetAction(CommandRunner.Guarded((result, cancellation) => RunAsync(result, result.GetValue(Interval), result.GetValue(Splay), cancellation)));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, string? interval, string? splay, CancellationToken stop)
    {
        var paths = GlobalOptions.PathsOf(result);
        var settings = AgentSettings.Load(paths.ConfigDir);
        if (interval is not null)
        {
            var value = AgentSettings.ParseDuration(interval, "--interval");
            if (value <= TimeSpan.Zero) throw new AgentOptionException("--interval must be longer than 0s");
            settings = settings with { Interval = value };
        }
        if (splay is not null) settings = settings with { Splay = AgentSettings.ParseDuration(splay, "--splay") };
        var config = ClientConfig.Load(paths.ConfigDir);
        var hostName = config.Host ?? Environment.MachineName;
        var log = new AgentLog(Console.Out);

        using var host = new HostContext(result);
        foreach (var line in host.Installer.RecoverAll()) log.Notice($"recovered an interrupted change: {line}");
        StatusReporter? reporter = null;
        if (settings.ReportUrl is { } url)
        {
            var key = HostKey.TryLoad(paths);
            if (key is null)
            {
                HostKey.Ensure(paths);
                key = HostKey.TryLoad(paths)!;
                log.Notice($"made a host key for signed reports: {HostKey.PathOf(paths)} (ed25519 {key.Public.PublicHex})");
            }
            reporter = new StatusReporter(url, key);
        }
        bool reportFailing = false;
        var loop = new AgentLoop(log, settings, hostName)
        {
            CheckConfig = () => { ClientConfig.Load(paths.ConfigDir); AgentSettings.Load(paths.ConfigDir); },
            Round = async (skip, ct) =>
            {
                using var session = host.OpenSession();
                return await new FleetOperations(session, host.Guests, host.Installer, host.Maintenance).RoundAsync(false, skip, ct);
            },
            AfterRound = async (round, ct) =>
            {
                var body = StatusRecord.Write(paths, hostName, round, host.Database);
                if (reporter is null) return;
                try
                {
                    await reporter.SendAsync(hostName, body, ct);
                    if (reportFailing) log.Info($"report: {settings.ReportUrl} accepts reports again");
                    reportFailing = false;
                }
                catch (FetchException e)
                {
                    if (!reportFailing) log.Warning($"report: {e.Message}; sent again after the next round");
                    reportFailing = true;
                }
            },
        };
        try { return await loop.RunAsync(stop) is { } failed ? ExitCodes.Of(failed) : ExitCodes.Ok; }
        finally { reporter?.Dispose(); }
    }
}

/// <summary>Writes STATE_DIR/status.json after a round of `agent` or `apply`.</summary>
internal static class StatusRecord
{
    public static byte[] Write(Stork.Client.Model.HostPaths paths, string hostName, RoundResult round, Stork.Client.State.HostDatabase database)
    {
        JsonObject? previous = null;
        try { previous = HostStatus.TryRead(paths); } catch (LocalException) { }
        string? publicKey = null;
        try { using var key = HostKey.TryLoad(paths); publicKey = key?.Public.PublicHex; } catch (LocalException) { }
        return HostStatus.Write(paths, HostStatus.Build(hostName, round, database, previous, publicKey, ExitCodes.Of));
    }
}
