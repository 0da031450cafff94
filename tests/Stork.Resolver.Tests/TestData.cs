using Stork.Resolver.Model;
using Stork.Resolver.Universe;
using ZstdSharp;

namespace Stork.Resolver.Tests;

/// <summary>
/// The Debian bookworm data set, committed in the repository at fixtures/debian-bookworm/ (a copy of the
/// project's shared data, so a fresh clone is self-contained). Missing data is a test failure, never a silent pass.
/// </summary>
public static class TestData
{
    public const string UniverseFile = "debian-bookworm-main.universe.jsonl.zst";
    public const string JobsFile = "debian-bookworm-main.jobs.jsonl";

    private static readonly Lazy<List<Candidate>> LazyUniverse = new(() =>
    {
        using var file = File.OpenRead(PathOf(UniverseFile));
        using var zstd = new DecompressionStream(file);
        return UniverseReader.Read(zstd);
    });

    private static readonly Lazy<InMemoryPackageProvider> LazyProvider = new(() => new InMemoryPackageProvider(Universe));

    public static List<Candidate> Universe => LazyUniverse.Value;
    public static InMemoryPackageProvider Provider => LazyProvider.Value;

    public static List<SolveJob> Jobs()
    {
        using var file = File.OpenRead(PathOf(JobsFile));
        return SolveJob.ReadAll(file);
    }

    public static string PathOf(string fileName)
    {
        var path = RepoRoot.File("fixtures", "debian-bookworm", fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Test data {fileName} is missing: expected it at {path} (fixtures/debian-bookworm in the repository). " +
                "These tests need the Debian bookworm universe; they fail rather than pass without it.", path);
        return path;
    }
}
