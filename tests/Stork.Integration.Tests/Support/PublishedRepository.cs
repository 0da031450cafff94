namespace Stork.Integration.Tests.Support;

/// <summary>
/// A repository published from the fixtures with the real stork-publish CLI, served by a real nginx.
/// Shared by the tests of one class; each test makes its own host state and guests.
/// </summary>
public sealed class PublishedRepository : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-repo-").FullName;
    public string RepoDir => Path.Combine(Directory, "repo");
    public string PublicDir => Path.Combine(RepoDir, "public");
    public string RootFile => Path.Combine(PublicDir, "metadata", "1.root.json");
    public string BuildDir => Path.Combine(Directory, "built");
    public NginxServer Nginx { get; }

    public PublishedRepository()
    {
        Expect(ProcessRunner.StorkPublish("init", RepoDir), "init");
        var packages = new List<string>();
        foreach (var source in Fixtures.PackageDirs)
        {
            Expect(ProcessRunner.StorkPublish("build", source, "--output", BuildDir), $"build {source}");
        }
        packages.AddRange(System.IO.Directory.GetFiles(BuildDir, "*.stork").Order(StringComparer.Ordinal));
        Expect(ProcessRunner.StorkPublish(["add", RepoDir, .. packages, "--publish"]), "add");
        Expect(ProcessRunner.StorkPublish("verify", RepoDir), "verify");
        Nginx = new NginxServer(PublicDir);
    }

    public static void Expect(ProcessResult result, string what)
    {
        if (result.ExitCode != 0) throw new InvalidOperationException($"{what} failed: {result}");
    }

    public void Dispose()
    {
        Nginx.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One host: its own state folder (STORK_HOME-style) and guest roots, removed afterwards.</summary>
public sealed class TestHost : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-host-").FullName;
    public string Home => Path.Combine(Directory, "home");
    public string GuestRoot(string name) => Path.Combine(Directory, "guests", name);

    public ProcessResult Get(params string[] args) => ProcessRunner.StorkGet(["--home", Home, .. args]);

    public void Dispose()
    {
        // Store files are made read-only (and immutable as root); lift chattr +i, then a recursive delete works as root.
        try { ProcessRunner.Run("chattr", ["-R", "-f", "-i", Directory]); } catch (Exception) { }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
