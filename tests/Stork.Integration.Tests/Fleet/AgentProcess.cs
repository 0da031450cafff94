using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Fleet;

/// <summary>`stork-get agent` running as a child process, its output collected line by line, stopped with real signals.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TestHost _host;

    public AgentProcess(TestHost host, IDictionary<string, string>? environment = null, params string[] args)
    {
        _host = host;
        var dll = RepoRoot.File("client/Stork.Get.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-get.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] all = [dll, "--home", host.Home, "--no-progress", "agent", .. args];
        foreach (var a in all) info.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string[] LogLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;
    public override string ToString() => $"agent stdout:\n{Stdout}\nagent stderr:\n{Stderr}";

    /// <summary>The status record the agent wrote last (null before the first round).</summary>
    public JsonObject? Status()
    {
        var path = Path.Combine(_host.Home, "state", "status.json");
        try { return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null; }
        catch (Exception) { return null; }   // caught between write and rename is impossible (atomic), but be lenient with partial reads
    }

    public void WaitUntil(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (_process.HasExited) throw new Xunit.Sdk.XunitException($"the agent exited ({_process.ExitCode}) before {what}\n{this}");
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"timed out waiting for {what}\n{this}");
            Thread.Sleep(100);
        }
    }

    public void WaitForLog(string fragment, int count = 1, int seconds = 60)
        => WaitUntil(() => LogLines.Count(l => l.Contains(fragment, StringComparison.Ordinal)) >= count, $"{count} log line(s) with '{fragment}'", seconds);

    /// <summary>Sends SIGTERM (as systemd stops a service) and waits for the exit code.</summary>
    public int Terminate(int seconds = 20)
    {
        ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!_process.WaitForExit(seconds * 1000)) throw new Xunit.Sdk.XunitException($"the agent did not stop within {seconds}s of SIGTERM\n{this}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public int WaitForExit(int seconds = 60)
    {
        if (!_process.WaitForExit(seconds * 1000)) throw new Xunit.Sdk.XunitException($"the agent did not exit within {seconds}s\n{this}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
