namespace Stork.Format.Packages;

/// <summary>
/// The canonical entry order: by Unicode code point, which equals UTF-8 byte order. (Plain ordinal string
/// comparison sorts UTF-16 code units and differs for characters above U+FFFF, so other languages would disagree.)
/// </summary>
public sealed class PathOrder : IComparer<string>
{
    public static readonly PathOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int common = x.AsSpan().CommonPrefixLength(y);
        if (common == x.Length || common == y.Length) return x.Length.CompareTo(y.Length);
        // UTF-16 order is code point order except that surrogates (D800-DFFF, which encode code points above FFFF)
        // must sort after E000-FFFF; shifting both ranges restores code point order without decoding runes.
        // The first differing units are both high surrogates or at least one is not a surrogate, so this suffices.
        return CodePointRank(x[common]).CompareTo(CodePointRank(y[common]));
    }

    private static int CodePointRank(char c) => c switch
    {
        >= '\uE000' => c - 0x800,
        >= '\uD800' => c + 0x2000,
        _ => c,
    };
}
