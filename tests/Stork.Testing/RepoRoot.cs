namespace Stork.Testing;

/// <summary>The repository (the folder holding Stork.sln), found by walking up from the test binaries.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Stork.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find Stork.sln above " + AppContext.BaseDirectory);
    }

#if CONFIGURATION_Release
    public const string Configuration = "Release";
#else
    public const string Configuration = "Debug";
#endif
}
