namespace Stork.Format.Tests.Building;

internal static class RepositoryRoot
{
    /// <summary>The directory holding Stork.sln, found by walking up from the test binaries.</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Stork.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Stork.sln not found above " + AppContext.BaseDirectory);
    }
}
