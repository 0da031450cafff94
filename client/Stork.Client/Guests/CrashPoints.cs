using System.Globalization;
using System.Runtime.InteropServices;

namespace Stork.Client.Guests;

/// <summary>
/// Crash injection for the crash tests: with STORK_CRASH_AFTER=N in the environment, the process sends itself
/// SIGKILL at the Nth crash point it passes (no cleanup runs, exactly like kill -9). STORK_CRASH_COUNT=FILE
/// appends the number of points passed to FILE at exit of a run that did not crash, so tests can pick N.
/// </summary>
public static class CrashPoints
{
    private static readonly long Limit = long.TryParse(Environment.GetEnvironmentVariable("STORK_CRASH_AFTER"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    private static long _passed;

    public static long Passed => Interlocked.Read(ref _passed);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static readonly AsyncLocal<Action?> Hook = new();

    /// <summary>In-process tests: called at every crash point of the current async flow (throw <see cref="SimulatedCrashException"/> to "crash").</summary>
    public static Action? OnHit { get => Hook.Value; set => Hook.Value = value; }

    public static void Hit()
    {
        var count = Interlocked.Increment(ref _passed);
        if (Limit > 0 && count == Limit) _ = Kill(Environment.ProcessId, 9);
        Hook.Value?.Invoke();
    }
}

/// <summary>Thrown by test hooks to stop a change dead, as a crash would: nothing is cleaned up.</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException() : base("simulated crash") { }
}
