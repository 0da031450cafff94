using System.Diagnostics;
using System.Runtime.InteropServices;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// A hostile process of a guest (tests/hostile/racer.c, compiled with gcc once per run): it chroots into the guest
/// root first, so it can do only what root inside that guest could. Runs at nice 19, so on a busy CI machine the
/// stork-get commands it races keep their CPU and the racer takes what is left (it still runs whenever they wait).
/// </summary>
internal sealed class GuestRacer : IDisposable
{
    private static readonly Lazy<string> Binary = new(Compile);
    private readonly Process _process;
    private IReadOnlyDictionary<string, long>? _counters;

    private GuestRacer(Process process) => _process = process;

    public static GuestRacer Start(string guestRoot, params string[] args)
    {
        var info = new ProcessStartInfo("nice") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", "19", Binary.Value, guestRoot }.Concat(args)) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var ready = process.StandardOutput.ReadLine();
        if (ready != "ready") throw new InvalidOperationException($"racer {string.Join(' ', args)} did not start: {ready} {process.StandardError.ReadToEnd()}");
        return new GuestRacer(process);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Stops the racer (SIGTERM; it puts swapped directories back) and returns its counters.</summary>
    public IReadOnlyDictionary<string, long> Stop()
    {
        if (_counters is not null) return _counters;
        _ = Kill(_process.Id, 15);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(60))) { _process.Kill(); throw new TimeoutException("racer did not stop"); }
        _counters = _process.StandardOutput.ReadToEnd().Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => long.Parse(p[1]));
        return _counters;
    }

    public void Dispose()
    {
        try { Stop(); } catch (TimeoutException) { }
        _process.Dispose();
    }

    private static string Compile()
    {
        var output = Path.Combine(Path.GetTempPath(), $"stork-cli-racer-{Environment.ProcessId}");
        ProcessResult gcc;
        try { gcc = ProcessRunner.Run("gcc", ["-O2", "-o", output, RepoRoot.File("tests", "hostile", "racer.c")]); }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("gcc is missing (test.sh installs it): the hostile helper cannot be built", e); }
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc failed to build tests/hostile/racer.c: {gcc}");
        return output;
    }
}
