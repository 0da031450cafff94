namespace Stork.Client.Guests;

/// <summary>
/// Which packages of a change may run their maintainer scripts (stork.json "scripts": {"allowed_roles": [...]}: the
/// packages signed by those roles), and the runner to use. Without a policy no script runs and files are installed only.
/// </summary>
public sealed record ScriptPolicy(IReadOnlySet<string> AllowedPackages, Func<ScriptRunner> Runner)
{
    public bool Allows(string package) => AllowedPackages.Contains(package);
}
