using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// The hostile helper (tests/hostile/racer.c), compiled with gcc once per test run and started as a real process
/// that chroots into a guest root before it does anything: confined to the guest tree like a root process of the guest.
/// </summary>
internal sealed class Racer : IDisposable
{
    private static readonly Lazy<string> Binary = new(Compile);
    private readonly Process _process;
    private bool _stopped;

    public string Output { get; private set; } = "";

    private Racer(Process process) => _process = process;

    public static Racer Start(string guestRoot, params string[] args)
    {
        var info = new ProcessStartInfo(Binary.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(guestRoot);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var ready = process.StandardOutput.ReadLine();
        if (ready != "ready") throw new InvalidOperationException($"racer did not start: {ready} {process.StandardError.ReadToEnd()}");
        return new Racer(process);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Stops the racer (SIGTERM) and returns its counters.</summary>
    public IReadOnlyDictionary<string, long> Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            _ = Kill(_process.Id, 15);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) { _process.Kill(); throw new TimeoutException("racer did not stop"); }
            Output = _process.StandardOutput.ReadToEnd().Trim();
        }
        return Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('='))
            .Where(p => p.Length == 2).ToDictionary(p => p[0], p => long.Parse(p[1]));
    }

    public void Dispose()
    {
        try { Stop(); } catch (TimeoutException) { }
        _process.Dispose();
    }

    private static string Compile()
    {
        var dir = RepoRoot.Path;
        var output = Path.Combine(Path.GetTempPath(), $"stork-racer-{Environment.ProcessId}");
        var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-o", output, Path.Combine(dir, "tests/hostile/racer.c")]) { RedirectStandardError = true })!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc failed: {errors}");
        return output;
    }
}
