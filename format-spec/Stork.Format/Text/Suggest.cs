namespace Stork.Format.Text;

/// <summary>"did you mean" for mistyped names: the closest known names by edit distance.</summary>
public static class Suggest
{
    /// <summary>"; did you mean X?" (or "X or Y") when a known name is close, else "".</summary>
    public static string DidYouMean(string typed, IEnumerable<string> known)
    {
        var near = Closest(typed, known);
        return near.Count == 0 ? "" : $"; did you mean {string.Join(" or ", near)}?";
    }

    /// <summary>Up to three names within a third of the typed length in edits (at least 1, at most 3), nearest first;
    /// names containing the typed text (or contained in it) count as near too.</summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> known)
    {
        // Options are compared without their dashes; a one-letter typo ("-y") is too short to guess from.
        var core = typed.TrimStart('-').ToLowerInvariant();
        if (core.Length < 2) return [];
        int limit = Math.Clamp(core.Length / 3, 1, 3);
        return known.Distinct(StringComparer.Ordinal)
            .Select(k => (Name: k, Core: k.TrimStart('-').ToLowerInvariant()))
            .Where(k => k.Core.Length >= 2)
            .Select(k => (k.Name, k.Core, Distance: Distance(core, k.Core)))
            .Where(k => k.Distance <= limit || (core.Length >= 3 && (k.Core.Contains(core, StringComparison.Ordinal) || core.Contains(k.Core, StringComparison.Ordinal))))
            .OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal)
            .Take(3).Select(k => k.Name).ToList();
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
