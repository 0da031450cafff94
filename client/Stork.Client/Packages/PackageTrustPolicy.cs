namespace Stork.Client.Packages;

/// <summary>
/// The host's package-level trust policy (SPEC.md §9), applied when the signed targets become a package index:
/// <list type="bullet">
/// <item>only packages signed by <see cref="TrustedRoles"/> are visible (null: every role the TUF chain trusts);</item>
/// <item>a provide is honoured only for a name no other role owns a real package of ("provides everything");</item>
/// <item>dependency headers larger than the caps are refused ("depends on everything").</item>
/// </list>
/// </summary>
public sealed record PackageTrustPolicy(
    IReadOnlySet<string>? TrustedRoles = null,
    int MaxDependClauses = 1024,
    int MaxAlternativesPerClause = 64,
    int MaxProvides = 4096,
    int MaxConflicts = 1024)
{
    public static PackageTrustPolicy Default { get; } = new();

    public bool TrustsRole(string role) => TrustedRoles is null || TrustedRoles.Contains(role);
}
