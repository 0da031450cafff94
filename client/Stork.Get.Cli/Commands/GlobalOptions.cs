using System.CommandLine;
using Stork.Client.Config;
using Stork.Client.State;

namespace Stork.Get.Cli.Commands;

/// <summary>Options every command accepts: where the host's state lives, and machine-readable output.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Home = new("--home") { Description = "Keep state, cache and config under this folder (env STORK_HOME)", Recursive = true };
    public static readonly Option<string?> StateDir = new("--state-dir") { Description = "State directory (env STORK_STATE_DIR, default /var/lib/stork)", Recursive = true };
    public static readonly Option<string?> CacheDir = new("--cache-dir") { Description = "Cache directory (env STORK_CACHE_DIR, default /var/cache/stork)", Recursive = true };
    public static readonly Option<string?> ConfigDir = new("--config-dir") { Description = "Config directory (env STORK_CONFIG_DIR, default /etc/stork)", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print nothing but JSON", Recursive = true };

    public static readonly Option<bool> NoProgress = new("--no-progress") { Description = "No download progress bars (they are off anyway when stderr is not a terminal, and with --json)", Recursive = true };
    public static readonly Option<bool> NoImmutable = new("--no-immutable") { Description = "Do not mark store files immutable (chattr +i) when running as root (env STORK_NO_IMMUTABLE=1)", Recursive = true };

    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Say more: each phase's wall time on stderr (as STORK_TIMINGS=1)", Recursive = true };
    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only warnings, errors and what was asked for (no progress, no summaries)", Recursive = true };

    public static IEnumerable<Option> All => [Home, StateDir, CacheDir, ConfigDir, Json, NoProgress, NoImmutable, Verbose, Quiet];

    /// <summary>Progress bars only for a person watching: stderr is a terminal, no --json, no --no-progress.</summary>
    public static bool WantsProgress(ParseResult result)
        => !result.GetValue(NoProgress) && !WantsJson(result) && !result.GetValue(Quiet) && !Console.IsErrorRedirected;

    public static HostPaths PathsOf(ParseResult result)
        => HostLocations.Resolve(result.GetValue(Home), result.GetValue(StateDir), result.GetValue(CacheDir), result.GetValue(ConfigDir)) with
        {
            // Immutable store files need CAP_LINUX_IMMUTABLE, so only as root; on by default there.
            ImmutableStore = Environment.IsPrivilegedProcess && !result.GetValue(NoImmutable)
                && Environment.GetEnvironmentVariable("STORK_NO_IMMUTABLE") is not ("1" or "true" or "yes"),
        };

    public static bool WantsJson(ParseResult result) => result.GetValue(Json);
}
