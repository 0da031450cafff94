
namespace Stork.Format.Tests.Debian;

/// <summary>
/// fixtures/debian/bookworm-versions.txt: every Version and every relation operand of Debian 12's Packages indexes
/// (main, updates, security; amd64), sorted by libapt's comparison (python3-apt); a line "= V" is equal to the one
/// before it. Made by fixtures/debian/make-version-corpus.py.
/// </summary>
internal static class VersionCorpus
{
    static readonly Lazy<(string Version, int Rank)[]> Lines = new(Load);

    public static (string Version, int Rank)[] All => Lines.Value;

    static (string, int)[] Load()
    {
        var result = new List<(string, int)>();
        var rank = -1;
        foreach (var line in File.ReadLines(RepoRoot.File("fixtures", "debian", "bookworm-versions.txt")))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("= ", StringComparison.Ordinal)) result.Add((line[2..], rank));
            else result.Add((line, ++rank));
        }
        return [.. result];
    }
}
