using Stork.Client.State;

namespace Stork.Client.Config;

/// <summary>
/// Resolves the host's directories: an explicit flag wins, then an environment variable, then the FHS default.
/// STORK_HOME (or --home) puts all three under one folder, for tests and users without root.
/// </summary>
public static class HostLocations
{
    public const string DefaultStateDir = "/var/lib/stork";
    public const string DefaultCacheDir = "/var/cache/stork";
    public const string DefaultConfigDir = "/etc/stork";

    public static HostPaths Resolve(string? home, string? stateDir, string? cacheDir, string? configDir, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        home ??= Blank(environment("STORK_HOME"));
        string Pick(string? flag, string variable, string homeSubdir, string fallback)
            => Path.GetFullPath(flag ?? Blank(environment(variable)) ?? (home is null ? fallback : Path.Combine(home, homeSubdir)));
        return new HostPaths(
            Pick(stateDir, "STORK_STATE_DIR", "state", DefaultStateDir),
            Pick(cacheDir, "STORK_CACHE_DIR", "cache", DefaultCacheDir),
            Pick(configDir, "STORK_CONFIG_DIR", "config", DefaultConfigDir));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
