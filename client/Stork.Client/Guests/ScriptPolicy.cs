namespace Stork.Client.Guests;

/// <summary>
/// Which packages of a change may run their maintainer scripts (stork.json "scripts": {"allowed_roles": [...]}: the
/// packages signed by those roles), and the runner to use. Without a policy no script runs and files are installed only.
/// </summary>
public sealed record ScriptPolicy(IReadOnlySet<string> AllowedPackages, Func<ScriptRunner> Runner)
{
    public bool Allows(string package) => AllowedPackages.Contains(package);

    /// <summary>
    /// The policy for a change touching <paramref name="packages"/> (arriving and leaving versions): those whose signing
    /// role, as <paramref name="roleOf"/> finds it in the trusted index, is one of <paramref name="roles"/>; null when no role may.
    /// Each script may run for <paramref name="timeLimit"/> (stork.json "scripts.time_limit_seconds"; default 10 minutes).
    /// </summary>
    public static ScriptPolicy? For(IReadOnlySet<string>? roles, IEnumerable<(string Name, string Version)> packages, Func<string, string, string?> roleOf,
        TimeSpan? timeLimit = null)
    {
        if (roles is not { Count: > 0 }) return null;
        var allowed = packages.Where(p => roleOf(p.Name, p.Version) is { } role && roles.Contains(role))
            .Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return new ScriptPolicy(allowed, () => ScriptRunner.Detect(timeLimit));
    }
}
