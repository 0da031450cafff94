using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// Which target paths a delegation covers, for the publisher's checks. The rule itself lives in
/// <see cref="DelegationPaths"/>, shared with the client, so what we publish is what hosts accept.
/// </summary>
public static class TargetPathRules
{
    public static bool Covers(DelegatedRole role, string targetPath) => DelegationPaths.IsDelegated(role, targetPath);

    /// <summary>A target is allowed for a role only when every delegation on the way down covers it.</summary>
    public static bool CoveredByChain(IEnumerable<DelegatedRole> chain, string targetPath)
        => chain.All(d => Covers(d, targetPath));

    public static string PathHash(string targetPath) => DelegationPaths.PathHash(targetPath);

    public static bool PatternMatches(string pattern, string path) => DelegationPaths.PatternMatches(pattern, path);
}
