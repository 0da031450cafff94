using System.Text;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Which target paths a delegation covers (TUF 1.0 §"delegations"): a <c>paths</c> pattern matches
/// segment by segment, so <c>*</c> and <c>?</c> never cross a <c>/</c>; a <c>path_hash_prefixes</c> entry
/// matches when the lowercase hex sha256 of the UTF-8 target path starts with it.
/// </summary>
public static class TargetPathRules
{
    public static bool Covers(DelegatedRole role, string targetPath)
    {
        if (role.Paths is { } patterns) return patterns.Any(p => PatternMatches(p, targetPath));
        if (role.PathHashPrefixes is { } prefixes)
        {
            var hash = PathHash(targetPath);
            return prefixes.Any(p => hash.StartsWith(p.ToLowerInvariant(), StringComparison.Ordinal));
        }
        return false;
    }

    /// <summary>A target is allowed for a role only when every delegation on the way down covers it.</summary>
    public static bool CoveredByChain(IEnumerable<DelegatedRole> chain, string targetPath)
        => chain.All(d => Covers(d, targetPath));

    public static string PathHash(string targetPath) => Hashing.Sha256Hex(Encoding.UTF8.GetBytes(targetPath));

    /// <summary>Shell-style match with <c>*</c> (any run of characters but '/') and <c>?</c> (one character but '/').</summary>
    public static bool PatternMatches(string pattern, string path)
    {
        var patternParts = pattern.Split('/');
        var pathParts = path.Split('/');
        if (patternParts.Length != pathParts.Length) return false;
        for (int i = 0; i < patternParts.Length; i++)
            if (!SegmentMatches(patternParts[i], pathParts[i])) return false;
        return true;
    }

    private static bool SegmentMatches(string pattern, string text)
    {
        // Iterative wildcard match with one backtrack point: linear enough for short path segments.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
