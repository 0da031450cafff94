using System.Text;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Format.Trust;

/// <summary>Whether a delegated role is trusted for a target path: by path pattern, or by hash prefix (hash bins).</summary>
public static class DelegationPaths
{
    public static bool IsDelegated(DelegatedRole role, string targetPath)
        => IsDelegated(role, targetPath, PathHash(targetPath));

    /// <param name="pathHash">sha256 hex of the path, computed once by callers that test many roles.</param>
    public static bool IsDelegated(DelegatedRole role, string targetPath, string pathHash)
    {
        if (role.Paths is { } patterns) return patterns.Any(p => PatternMatches(p, targetPath));
        if (role.PathHashPrefixes is { } prefixes) return prefixes.Any(p => pathHash.StartsWith(p, StringComparison.Ordinal));
        return false;
    }

    public static string PathHash(string targetPath) => Hashing.Sha256Hex(Encoding.UTF8.GetBytes(targetPath));

    /// <summary>
    /// Shell-style matching per path segment: '*' matches any run of characters except '/', '?' one character.
    /// Pattern and path must have the same number of segments, so "packages/*" does not match "packages/a/b".
    /// </summary>
    public static bool PatternMatches(string pattern, string targetPath)
    {
        var patternParts = pattern.Split('/');
        var pathParts = targetPath.Split('/');
        if (patternParts.Length != pathParts.Length) return false;
        for (int i = 0; i < patternParts.Length; i++)
            if (!SegmentMatches(patternParts[i], pathParts[i])) return false;
        return true;
    }

    private static bool SegmentMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative wildcard match with single backtrack point for the last '*'.
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
