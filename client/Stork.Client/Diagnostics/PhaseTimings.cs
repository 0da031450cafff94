using System.Diagnostics;

namespace Stork.Client.Diagnostics;

/// <summary>
/// Wall and CPU time per phase on stderr when STORK_TIMINGS=1: how benchmarks and operators see where an install's time goes
/// without a profiler. Costs one environment lookup per process when off.
/// </summary>
public static class PhaseTimings
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("STORK_TIMINGS") is "1" or "true" or "yes";
    private static readonly long ProcessStart = Stopwatch.GetTimestamp();

    public static Phase Measure(string name) => new(Enabled ? name : null, Stopwatch.GetTimestamp(), Enabled ? Environment.CpuUsage.TotalTime : default);

    // The process's CPU time (user + system, all threads) as well: on a loaded host wall time says little.
    public readonly struct Phase(string? name, long started, TimeSpan cpuStarted) : IDisposable
    {
        public void Dispose()
        {
            if (name is null) return;
            var now = Stopwatch.GetTimestamp();
            var cpu = Environment.CpuUsage.TotalTime - cpuStarted;
            Console.Error.WriteLine($"timing: {name} {Stopwatch.GetElapsedTime(started, now).TotalMilliseconds:F1} ms (at {Stopwatch.GetElapsedTime(ProcessStart, now).TotalMilliseconds:F1} ms, cpu {cpu.TotalMilliseconds:F1} ms)");
        }
    }
}
