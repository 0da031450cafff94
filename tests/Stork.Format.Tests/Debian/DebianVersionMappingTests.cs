using System.Diagnostics;
using CsCheck;
using NuGet.Versioning;
using Stork.Format.Debian;
using Stork.Format.Packages;

namespace Stork.Format.Tests.Debian;

public class DebianVersionMappingTests
{
    [Fact]
    public void Corpus_is_the_whole_bookworm_index()
    {
        // Guards against a truncated fixture silently weakening the tests below.
        Assert.True(VersionCorpus.All.Length > 30000, $"only {VersionCorpus.All.Length} versions in the corpus");
        Assert.Contains(VersionCorpus.All, v => v.Version.Contains('~'));
        Assert.Contains(VersionCorpus.All, v => v.Version.Contains(':'));
    }

    [Fact]
    public void Every_corpus_version_maps_to_a_canonical_semver_and_libapt_order_equals_nuget_order()
    {
        // The corpus is sorted by libapt; NuGet's comparer is a total order, so checking each adjacent pair
        // (strictly greater across ranks, equal within one) proves agreement on every pair of the corpus.
        var all = VersionCorpus.All;
        var mapped = new NuGetVersion[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            var semver = DebianVersionMapping.ToSemVer(all[i].Version);
            Assert.True(PackageNames.TryParseVersion(semver, out _), $"'{all[i].Version}' -> '{semver}' is not canonical SemVer 2");
            mapped[i] = NuGetVersion.Parse(semver);
        }
        for (var i = 1; i < all.Length; i++)
        {
            var c = VersionComparer.Default.Compare(mapped[i - 1], mapped[i]);
            if (all[i].Rank == all[i - 1].Rank)
                Assert.True(c == 0, $"dpkg: '{all[i - 1].Version}' = '{all[i].Version}', mapped {mapped[i - 1]} vs {mapped[i]}: {c}");
            else
                Assert.True(c < 0, $"dpkg: '{all[i - 1].Version}' < '{all[i].Version}', mapped {mapped[i - 1]} vs {mapped[i]}: {c}");
        }
    }

    [Fact]
    public void Own_comparison_agrees_with_libapt_on_the_corpus()
    {
        var all = VersionCorpus.All;
        for (var i = 1; i < all.Length; i++)
        {
            var c = DebianVersion.Parse(all[i - 1].Version).CompareTo(DebianVersion.Parse(all[i].Version));
            Assert.True(all[i].Rank == all[i - 1].Rank ? c == 0 : c < 0, $"'{all[i - 1].Version}' vs '{all[i].Version}': {c}");
        }
    }

    [Fact]
    public void Every_operator_is_a_nuget_range_with_dpkgs_meaning()
    {
        // Truth is the libapt rank from the corpus. Bounds: every 97th distinct version; candidates: the bound's
        // neighbours (below, equal, above, including equal spellings) and a spread over the whole corpus.
        var all = VersionCorpus.All;
        var mapped = all.Select(v => NuGetVersion.Parse(DebianVersionMapping.ToSemVer(v.Version))).ToArray();
        var checks = 0;
        for (var b = 0; b < all.Length; b += 97)
        {
            var candidates = new HashSet<int>();
            for (var k = Math.Max(0, b - 3); k <= Math.Min(all.Length - 1, b + 3); k++) candidates.Add(k);
            for (var k = b % 211; k < all.Length; k += 211) candidates.Add(k);
            foreach (var op in DebianConstraint.Operators.Concat(["<", ">"]))
            {
                var range = VersionRange.Parse(DebianConstraint.ToRange(op, all[b].Version));
                foreach (var k in candidates)
                {
                    var c = all[k].Rank.CompareTo(all[b].Rank);
                    var expected = op switch { "<<" => c < 0, "<=" or "<" => c <= 0, "=" => c == 0, ">=" or ">" => c >= 0, _ => c > 0 };
                    Assert.True(expected == range.Satisfies(mapped[k]),
                        $"'{all[k].Version}' {op} '{all[b].Version}': dpkg {expected}, range {range} says {!expected}");
                    checks++;
                }
            }
        }
        Assert.True(checks > 300_000, $"{checks} checks");
    }

    [Fact]
    public void Dpkg_itself_agrees_on_a_sample_of_neighbouring_corpus_pairs()
    {
        // The corpus was sorted with libapt; dpkg must say the same (it is Debian's reference). 150 adjacent pairs.
        Assert.True(File.Exists("/usr/bin/dpkg"), "dpkg is needed for this test (CI runs on Debian)");
        var all = VersionCorpus.All;
        var step = all.Length / 150;
        for (var i = 1; i < all.Length; i += step)
        {
            var op = all[i].Rank == all[i - 1].Rank ? "eq" : "lt";
            Assert.True(Dpkg(all[i - 1].Version, op, all[i].Version), $"dpkg --compare-versions '{all[i - 1].Version}' {op} '{all[i].Version}' is false");
        }
    }

    [Theory]
    [InlineData("1.0", "1.0-0", 0)]
    [InlineData("1.0", "0:1.0", 0)]
    [InlineData("1.00", "1.0", 0)]
    [InlineData("1:0.1", "9.9", 1)]
    [InlineData("1.0~rc1", "1.0", -1)]
    [InlineData("1.0~~", "1.0~", -1)]
    [InlineData("1.0-~1", "1.0", -1)]
    [InlineData("1.0", "1.0a", -1)]
    [InlineData("1.0a", "1.0+", -1)]
    [InlineData("1.0Z", "1.0a", -1)]
    [InlineData("1.0z", "1.0+", -1)]
    [InlineData("1.0+", "1.0.", -1)]
    [InlineData("1:1.0.", "1:1.0:", -1)]
    [InlineData("2.36-9+deb12u3", "2.36-9+deb12u4", -1)]
    [InlineData("1.6-2.1", "1.6.2", -1)]
    [InlineData("0.0~git20070120091816", "0.0~git20070120091817", -1)]
    [InlineData("2147483647", "2147483648", -1)]
    [InlineData("99999999999999999999", "100000000000000000000", -1)]
    public void Known_pairs(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(DebianVersion.Parse(a).CompareTo(DebianVersion.Parse(b))));
        var ma = NuGetVersion.Parse(DebianVersionMapping.ToSemVer(a));
        var mb = NuGetVersion.Parse(DebianVersionMapping.ToSemVer(b));
        Assert.Equal(sign, Math.Sign(VersionComparer.Default.Compare(ma, mb)));
        Assert.True(Dpkg(a, sign switch { -1 => "lt", 0 => "eq", _ => "gt" }, b), $"dpkg disagrees on {a} vs {b}");
    }

    [Theory]
    [InlineData("2.36-9+deb12u4", "0.2.0-deb.xzp1.36.x1.x1.9.xzbdeb1.12.xu1.4.x1")]
    [InlineData("1:1.2.3", "1.1.0-deb.xzp1.2.xzp1.3.x1.x1.0.x1")]
    [InlineData("1.0~rc1-1", "0.1.0-deb.xzp1.0.x0rc1.1.x1.x1.1.x1")]
    [InlineData("20070120091816", "0.2147483647.0-deb.ne20070120091816.x1.x1.0.x1")]
    public void Mapping_is_stable(string debian, string semver) => Assert.Equal(semver, DebianVersionMapping.ToSemVer(debian));

    [Theory]
    [InlineData("")]
    [InlineData("a1.0")]
    [InlineData("1.0-")]
    [InlineData("x:1.0")]
    [InlineData("1.0_1")]
    [InlineData("1.0-1:2")]
    [InlineData("1.0 ")]
    public void Invalid_versions_are_rejected_with_a_reason(string text)
    {
        var e = Assert.Throws<DebianFormatException>(() => DebianVersionMapping.ToSemVer(text));
        Assert.Contains($"'{text}'", e.Message);
    }

    [Fact]
    public void Random_versions_keep_their_order()
    {
        // Generated from dpkg's alphabet, with '~', mixed case and long numbers; the oracle is DebianVersion (which
        // the corpus test ties to libapt).
        var part = Gen.OneOf(Gen.Char["~.+aAzZ-"].Select(c => c.ToString()), Gen.Int[0, 12].Select(i => i.ToString()),
                             Gen.Const("00"), Gen.Const("4294967296"));
        var upstreamTail = part.Array[0, 5].Select(p => string.Concat(p).Replace("-", "."));
        var version = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 30], upstreamTail, Gen.Bool, part.Array[0, 3])
            .Select((e, n, tail, hasRev, rev) =>
            {
                var rv = string.Concat(rev).Replace("-", "+");
                return (e > 0 ? e + ":" : "") + n + tail + (hasRev && rv.Length > 0 ? "-" + rv : hasRev ? "-0" : "");
            })
            .Where(v => DebianVersion.TryParse(v, out _, out _));
        Gen.Select(version, version).Sample((a, b) =>
        {
            var expected = Math.Sign(DebianVersion.Parse(a).CompareTo(DebianVersion.Parse(b)));
            var actual = Math.Sign(VersionComparer.Default.Compare(
                NuGetVersion.Parse(DebianVersionMapping.ToSemVer(a)), NuGetVersion.Parse(DebianVersionMapping.ToSemVer(b))));
            return expected == actual;
        }, iter: 20000);
    }

    static bool Dpkg(string a, string op, string b)
    {
        using var p = Process.Start(new ProcessStartInfo("dpkg", ["--compare-versions", a, op, b]) { RedirectStandardError = true })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }
}
