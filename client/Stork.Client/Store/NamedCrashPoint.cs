using System.Runtime.InteropServices;

namespace Stork.Client.Store;

/// <summary>
/// Crash injection at one exact, named point (tests): with STORK_CRASH_AT=NAME in the environment the process sends
/// itself SIGKILL when it reaches that point, like kill -9. The numbered points are <c>Guests.CrashPoints</c>.
/// </summary>
public static class NamedCrashPoint
{
    /// <summary>In <see cref="ContentStore.Commit"/>: a store file has its final name but no immutable flag yet.</summary>
    public const string StoreRenamedNotProtected = "store-renamed-not-protected";

    private static readonly string? Target = Environment.GetEnvironmentVariable("STORK_CRASH_AT");

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static void Hit(string name)
    {
        if (Target == name) _ = Kill(Environment.ProcessId, 9);
    }
}
