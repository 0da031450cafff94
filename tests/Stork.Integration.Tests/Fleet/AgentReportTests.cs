using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Integration.Tests.Support;
using Xunit;

namespace Stork.Integration.Tests.Fleet;

/// <summary>Status records and signed reports: a collector stub receives what the agent POSTs and checks every signature.</summary>
[Collection(FleetLab.Collection)]
public sealed class AgentReportTests(FleetLab template) : IDisposable
{
    private readonly FleetLab _lab = template.Clone();

    /// <summary>A collector stub on 127.0.0.1: answers 500 to the first report, 204 to the rest, keeps every request.</summary>
    private sealed class Collector : IDisposable
    {
        private readonly HttpListener _listener = new();
        public readonly List<(string? Signature, string? Host, byte[] Body)> Reports = [];
        public int Port { get; }

        public Collector()
        {
            for (int attempt = 0; ; attempt++)
            {
                var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
                try { _listener.Start(); break; }
                catch (HttpListenerException) when (attempt < 5) { _listener.Prefixes.Clear(); }
            }
            _ = Task.Run(LoopAsync);
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); } catch (Exception) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                int count;
                lock (Reports)
                {
                    Reports.Add((context.Request.Headers["X-Stork-Signature"], context.Request.Headers["X-Stork-Host"], body.ToArray()));
                    count = Reports.Count;
                }
                context.Response.StatusCode = count == 1 ? 500 : 204;
                context.Response.Close();
            }
        }

        public int Count { get { lock (Reports) return Reports.Count; } }

        public void Dispose() { _listener.Stop(); _listener.Close(); }
    }

    [Fact]
    public void The_agent_posts_signed_status_records_that_a_collector_verifies_and_status_prints_them()
    {
        using var nginx = new NginxServer(_lab.Public);
        using var collector = new Collector();
        var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1", "db", "spare"],
            new JsonObject { ["report_url"] = $"http://127.0.0.1:{collector.Port}/reports" });
        using var _ = host;
        // The host key was made at init: private half 0600 in the state folder.
        var keyFile = Path.Combine(host.Home, "state", "host-key.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        using var hostKey = SigningKey.FromPrivateJson(File.ReadAllBytes(keyFile), keyFile);

        using var agent = new AgentProcess(host);
        agent.WaitUntil(() => collector.Count >= 3, "three reports");
        Assert.Single(agent.LogLines, l => l.StartsWith("<4>report: ", StringComparison.Ordinal) && l.Contains("HTTP 500", StringComparison.Ordinal));
        Assert.Contains(agent.LogLines, l => l.StartsWith("<6>report: ", StringComparison.Ordinal) && l.Contains("accepts reports again", StringComparison.Ordinal));
        Assert.Equal(0, agent.Terminate());

        List<(string? Signature, string? Host, byte[] Body)> reports;
        lock (collector.Reports) reports = [.. collector.Reports];
        long lastRound = 0;
        foreach (var (signature, sender, body) in reports)
        {
            var record = JsonNode.Parse(body)!.AsObject();
            Assert.Empty(StatusSchema.Validate(record));
            Assert.Equal("h1", sender);
            Assert.Equal(hostKey.Public.PublicHex, record["host_key"]!.GetValue<string>());
            var parts = signature!.Split(' ');
            Assert.Equal("ed25519", parts[0]);
            Assert.Equal(hostKey.KeyId, parts[1]);
            var key = PublicKey.FromEd25519(Convert.FromHexString(record["host_key"]!.GetValue<string>()));
            Assert.True(key.Verify(body, Convert.FromHexString(parts[2])), "signature verifies over the exact body");
            var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"converged\":true", "\"converged\":false"));
            if (!tampered.AsSpan().SequenceEqual(body)) Assert.False(key.Verify(tampered, Convert.FromHexString(parts[2])));
            Assert.True(record["round"]!.GetValue<long>() > lastRound, "rounds only go forward (a collector can refuse replays)");
            lastRound = record["round"]!.GetValue<long>();
        }

        // stork-get status --json prints the last record; the plain form names each guest and whether it converged.
        var status = host.Get("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var last = JsonNode.Parse(status.Stdout)!.AsObject();
        Assert.Empty(StatusSchema.Validate(last));
        Assert.Equal("converged", last["state"]!.GetValue<string>());
        var guests = last["guests"]!.AsArray().Select(g => g!.AsObject()).ToDictionary(g => g["name"]!.GetValue<string>());
        Assert.Equal(["db", "spare", "web1"], guests.Keys.Order());
        Assert.True(guests["web1"]["converged"]!.GetValue<bool>());
        Assert.Equal(1, guests["web1"]["generation"]!.GetValue<int>());
        Assert.Contains(guests["web1"]["installed"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "hello");
        Assert.True(JsonNode.DeepEquals(guests["web1"]["desired"], guests["web1"]["installed"]));
        var text = host.Get("status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("host h1: converged", text.Stdout);
        Assert.Contains("guest web1: converged, generation 1", text.Stdout);
    }

    [Fact]
    public void Apply_writes_a_status_record_that_says_why_a_manifest_cannot_be_applied()
    {
        var canary = _lab.File("canary.json");
        _lab.Publish("fleet", "new", canary);
        _lab.Publish("fleet", "group", canary, "canary", "--include", "h1/web1");
        _lab.Publish("fleet", "action", canary, "canary", "remove", "hello");
        _lab.Publish("fleet", "publish", _lab.Repo, canary, "--as", "canary.json", "--key", _lab.FleetKey);
        using var nginx = new NginxServer(_lab.Public);
        using var host = _lab.NewHost(nginx.BaseUrl, "h1", ["web1"]);
        Assert.Equal(7, host.Get("status").ExitCode);   // no round yet
        var apply = host.Get("apply");
        Assert.Equal(5, apply.ExitCode);
        var record = JsonNode.Parse(host.Get("status", "--json").Stdout)!.AsObject();
        Assert.Empty(StatusSchema.Validate(record));
        Assert.Equal("unappliable", record["state"]!.GetValue<string>());
        Assert.Contains("group canary", record["plan_error"]!.GetValue<string>());
        Assert.False(record["guests"]![0]!["converged"]!.GetValue<bool>());
    }

    public void Dispose() => _lab.Dispose();
}
