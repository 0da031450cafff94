using System.CommandLine;
using System.IO.Enumeration;
using Stork.Cli;
using Stork.Format.Errors;
using Stork.Format.Text;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// Which guests a command acts on: <c>-g NAME</c> or <c>-g 'GLOB'</c> (repeatable; <c>*</c>, <c>?</c> and <c>[...]</c>
/// match registered guest names), or <c>--all-guests</c>. A glob that matches nothing is a usage error (exit 2).
/// </summary>
internal static class GuestOption
{
    public static Option<string[]> Create() => new("--guest", "-g")
    {
        Description = "Guest to change: a name or a glob such as 'web*' (repeat for several; blobs are still fetched once)",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<bool> CreateAll() => new("--all-guests") { Description = "Every registered guest" };

    /// <summary>The selected guest names, in registration-list order for globs, each once.</summary>
    public static IReadOnlyList<string> Resolve(ParseResult result, Option<string[]> guests, Option<bool> all, HostContext host)
    {
        var patterns = result.GetValue(guests) ?? [];
        var known = host.Guests.ListGuests().Select(g => g.Name).ToList();
        if (result.GetValue(all))
        {
            if (patterns.Length > 0) throw new UsageException("--all-guests and --guest cannot be combined");
            if (known.Count == 0) throw new GuestException("no guests are registered (stork-get guest add NAME --root DIR)");
            return known;
        }
        if (patterns.Length == 0) throw new UsageException("name the guests with --guest NAME (globs such as 'web*' work) or use --all-guests");
        var selected = new List<string>();
        foreach (var pattern in patterns)
        {
            if (IsGlob(pattern))
            {
                var matches = known.Where(n => FileSystemName.MatchesSimpleExpression(pattern, n, ignoreCase: false) || MatchesBrackets(pattern, n)).ToList();
                if (matches.Count == 0)
                    throw new UsageException($"--guest '{pattern}' matches no registered guest{Suggest.DidYouMean(pattern.Replace("*", "").Replace("?", ""), known)}");
                selected.AddRange(matches);
            }
            else
            {
                if (!known.Contains(pattern))
                    throw new GuestException($"no guest named '{pattern}'{Suggest.DidYouMean(pattern, known)} (see: stork-get guest list)");
                selected.Add(pattern);
            }
        }
        return selected.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool IsGlob(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>Character classes ("web[12]"): expanded to each alternative, then matched as a simple expression.</summary>
    private static bool MatchesBrackets(string pattern, string name)
    {
        int open = pattern.IndexOf('['), close = open < 0 ? -1 : pattern.IndexOf(']', open + 1);
        if (open < 0 || close < 0) return false;
        var set = pattern[(open + 1)..close];
        var chars = new List<char>();
        for (int i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-') { for (char c = set[i]; c <= set[i + 2]; c++) chars.Add(c); i += 2; }
            else chars.Add(set[i]);
        }
        return chars.Any(c =>
        {
            var expanded = pattern[..open] + c + pattern[(close + 1)..];
            return IsGlob(expanded) ? FileSystemName.MatchesSimpleExpression(expanded, name, ignoreCase: false) || MatchesBrackets(expanded, name) : expanded == name;
        });
    }
}
