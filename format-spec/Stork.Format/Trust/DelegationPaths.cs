using System.Runtime.CompilerServices;
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

    /// <summary>
    /// The delegations of <paramref name="delegations"/> that are trusted for the path, in listed order, up to and
    /// including the first terminating one (TUF §5.6.7.2.1). Large delegation lists (hash bins) are indexed once per
    /// verified metadata object, by prefix, so a look-up does not scan thousands of bins.
    /// </summary>
    public static IReadOnlyList<DelegatedRole> MatchingRoles(Delegations delegations, string targetPath, string pathHash)
    {
        var roles = delegations.Roles;
        var matching = new List<DelegatedRole>();
        if (roles.Count < IndexThreshold)
        {
            foreach (var role in roles)
            {
                if (!IsDelegated(role, targetPath, pathHash)) continue;
                matching.Add(role);
                if (role.Terminating) break;
            }
            return matching;
        }
        var index = Indexes.GetValue(delegations, static d => new RoleIndex(d.Roles));
        foreach (var i in index.Candidates(targetPath, pathHash))
        {
            matching.Add(roles[i]);
            if (roles[i].Terminating) break;
        }
        return matching;
    }

    private const int IndexThreshold = 16;
    private static readonly ConditionalWeakTable<Delegations, RoleIndex> Indexes = new();

    /// <summary>Roles with path patterns (scanned), and roles with hash prefixes grouped by prefix length and prefix.</summary>
    private sealed class RoleIndex
    {
        private readonly IReadOnlyList<DelegatedRole> _roles;
        private readonly List<int> _byPattern = [];
        private readonly Dictionary<int, Dictionary<string, List<int>>> _byPrefix = [];

        public RoleIndex(IReadOnlyList<DelegatedRole> roles)
        {
            _roles = roles;
            for (int i = 0; i < roles.Count; i++)
            {
                if (roles[i].Paths is not null) { _byPattern.Add(i); continue; }
                foreach (var prefix in roles[i].PathHashPrefixes ?? [])
                {
                    if (prefix.Length > 64) continue;   // longer than any sha256 hex: never matches
                    if (!_byPrefix.TryGetValue(prefix.Length, out var ofLength)) _byPrefix[prefix.Length] = ofLength = new(StringComparer.Ordinal);
                    if (!ofLength.TryGetValue(prefix, out var list)) ofLength[prefix] = list = [];
                    if (list.Count == 0 || list[^1] != i) list.Add(i);
                }
            }
        }

        /// <summary>Indexes of the matching roles, ascending, each once.</summary>
        public List<int> Candidates(string targetPath, string pathHash)
        {
            var result = new List<int>();
            foreach (var i in _byPattern)
                if (_roles[i].Paths!.Any(p => PatternMatches(p, targetPath))) result.Add(i);
            foreach (var (length, ofLength) in _byPrefix)
                if (ofLength.TryGetValue(pathHash[..length], out var list)) result.AddRange(list);
            result.Sort();
            for (int k = result.Count - 1; k > 0; k--)
                if (result[k] == result[k - 1]) result.RemoveAt(k);
            return result;
        }
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
