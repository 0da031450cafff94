using System.Text.Json;
using NuGet.Versioning;
using Stork.Resolver.Model;
using Xunit;

namespace Stork.Resolver.Tests;

/// <summary>The fast range and version paths must agree with NuGet's own parser.</summary>
public sealed class ReferenceParserTests
{
    [Theory]
    [InlineData("[1.0.0,)")]
    [InlineData("(1.0.0,)")]
    [InlineData("[1.0.0]")]
    [InlineData("(,1.0.0)")]
    [InlineData("(,1.0.0]")]
    [InlineData("[1.0.0,2.0.0)")]
    [InlineData("(1.0.0,2.0.0]")]
    [InlineData("[ 1.0.0 , 2.0.0 ]")]
    [InlineData("[1.0.0-beta,)")]
    [InlineData("1.0.0")]
    [InlineData("[1.0,)")]
    [InlineData("[1.0.0.1,)")]
    [InlineData("[2.0.0,1.0.0]")]
    [InlineData("(1.0.0,1.0.0)")]
    [InlineData("[1.0.0,1.0.0]")]
    [InlineData("[,1.0.0]")]
    [InlineData("(1.0.0)")]
    [InlineData("[01.0.0,)")]
    [InlineData("*")]
    [InlineData("[1.*,)")]
    public void Range_parsing_matches_NuGet(string text)
    {
        bool nugetOk = VersionRange.TryParse(text, out var expected);
        var actual = ReferenceParser.ParseRange(text);
        Assert.Equal(nugetOk, actual is not null);
        if (!nugetOk) return;
        Assert.Equal(expected, actual);
        Assert.Equal(expected!.ToNormalizedString(), actual!.ToNormalizedString());
        Assert.Equal(expected.IsMinInclusive, actual.IsMinInclusive);
        Assert.Equal(expected.IsMaxInclusive, actual.IsMaxInclusive);
    }

    [Fact]
    public void Every_range_and_version_of_the_Debian_universe_parses_like_NuGet()
    {
        var ranges = new HashSet<string>();
        foreach (var candidate in TestData.Universe)
        {
            foreach (var reference in candidate.Depends.SelectMany(d => d).Concat(candidate.Conflicts))
                if (reference.Range is not null) ranges.Add(reference.Range.OriginalString ?? reference.Range.ToNormalizedString());
        }
        Assert.NotEmpty(ranges);
        foreach (var text in ranges)
        {
            var expected = VersionRange.Parse(text);
            var actual = ReferenceParser.ParseRange(text)!;
            Assert.Equal(expected, actual);
            foreach (var probe in new[] { expected.MinVersion, expected.MaxVersion })
                if (probe is not null) Assert.Equal(expected.Satisfies(probe), actual.Satisfies(probe));
        }
        foreach (var candidate in TestData.Universe.Take(5000))
            Assert.Equal(NuGetVersion.Parse(candidate.Version.ToNormalizedString()), candidate.Version);
    }
}
