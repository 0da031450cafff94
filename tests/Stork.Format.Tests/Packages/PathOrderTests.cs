using System.Text;
using CsCheck;
using Stork.Format.Packages;

namespace Stork.Format.Tests.Packages;

public class PathOrderTests
{
    // Characters from each range that matters: ASCII, Latin, just below and above the surrogates, and astral ones.
    private static readonly Gen<string> Paths = Gen.OneOf(
            Gen.Const("a"), Gen.Const("c"), Gen.Const("/"), Gen.Const("\u00e0"), Gen.Const("\ud7ff"), Gen.Const("\ue000"), Gen.Const("\uffff"),
            Gen.Const("\U00010000"), Gen.Const("\U00010001"), Gen.Const("\U0001F600"))
        .Array[0, 6].Select(parts => string.Concat(parts));

    [Fact]
    public void OrdersLikeUtf8Bytes()
    {
        Gen.Select(Paths, Paths).Sample((x, y) =>
        {
            int expected = Math.Sign(Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)));
            return Math.Sign(PathOrder.Instance.Compare(x, y)) == expected;
        }, iter: 20_000);
    }

    [Theory]
    [InlineData("a", "b", -1)]
    [InlineData("a", "a/b", -1)]
    [InlineData("\uffff", "\U0001F600", -1)] // a naive UTF-16 ordinal comparison gets this one wrong
    [InlineData("z", "\u00e9", -1)]
    [InlineData("same", "same", 0)]
    public void KnownPairs(string x, string y, int sign)
    {
        Assert.Equal(sign, Math.Sign(PathOrder.Instance.Compare(x, y)));
        Assert.Equal(-sign, Math.Sign(PathOrder.Instance.Compare(y, x)));
    }
}
