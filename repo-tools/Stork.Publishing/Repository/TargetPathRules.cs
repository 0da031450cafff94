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

    /// <param name="pathHash">The path's <see cref="PathHash"/>, computed once by callers that test many roles.</param>
    public static bool Covers(DelegatedRole role, string targetPath, string pathHash) => DelegationPaths.IsDelegated(role, targetPath, pathHash);

    /// <summary>A target is allowed for a role only when every delegation on the way down covers it.</summary>
    public static bool CoveredByChain(IEnumerable<DelegatedRole> chain, string targetPath)
        => CoveredByChain(chain, targetPath, PathHash(targetPath));

    public static bool CoveredByChain(IEnumerable<DelegatedRole> chain, string targetPath, string pathHash)
    {
        foreach (var d in chain)
            if (!Covers(d, targetPath, pathHash)) return false;
        return true;
    }

    public static string PathHash(string targetPath) => DelegationPaths.PathHash(targetPath);

    public static bool PatternMatches(string pattern, string path) => DelegationPaths.PatternMatches(pattern, path);
}
