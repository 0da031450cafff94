namespace Stork.Integration.Tests.Support;

/// <summary>The fixture package sources, laid out once per test run by fixtures/make-fixtures.sh (real Debian busybox inside).</summary>
public static class Fixtures
{
    private static readonly Lazy<string> Source = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string SourceDir => Source.Value;

    public static IReadOnlyList<string> PackageDirs => Directory.GetDirectories(SourceDir).Order(StringComparer.Ordinal).ToList();

    private static string Prepare()
    {
        var script = RepoRoot.File("fixtures", "make-fixtures.sh");
        var result = ProcessRunner.Run("sh", [script], timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"fixtures/make-fixtures.sh failed (it needs 'apt-get download busybox-static'):\n{result}");
        return RepoRoot.File("fixtures", "build", "src");
    }
}
