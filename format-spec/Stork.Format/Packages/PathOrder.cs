using System.Text;

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
        var left = x.EnumerateRunes();
        var right = y.EnumerateRunes();
        while (true)
        {
            bool hasLeft = left.MoveNext(), hasRight = right.MoveNext();
            if (!hasLeft || !hasRight) return hasLeft.CompareTo(hasRight);
            int order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0) return order;
        }
    }
}
