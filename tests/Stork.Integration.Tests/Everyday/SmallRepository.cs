using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>
/// A repository of small generated packages, published with the real stork-publish CLI and served by a real nginx,
/// that a test can add new versions to (one per test: upgrades change it). No busybox, so it is quick to set up.
/// </summary>
internal sealed class SmallRepository : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-small-").FullName;
    public string RepoDir => Path.Combine(Directory, "repo");
    public string RootFile => Path.Combine(RepoDir, "public", "metadata", "1.root.json");
    public NginxServer Nginx { get; private set; }

    public SmallRepository(params (string Name, string Version, string? Depends)[] packages) : this(null, packages) { }

    /// <param name="timestampExpiryDays">Signed into stork-repo.json before the first publish (fractions of a day work).</param>
    public SmallRepository(double? timestampExpiryDays, params (string Name, string Version, string? Depends)[] packages)
    {
        PublishedRepository.Expect(ProcessRunner.StorkPublish("init", RepoDir), "init");
        if (timestampExpiryDays is { } days)
        {
            var settings = Path.Combine(RepoDir, "stork-repo.json");
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(settings))!;
            json["timestamp_expiry_days"] = days;
            File.WriteAllText(settings, json.ToJsonString());
        }
        Publish(packages);
        Nginx = new NginxServer(Path.Combine(RepoDir, "public"));
    }

    /// <summary>Builds and publishes packages NAME VERSION with one file usr/share/NAME/VERSION (content grows with the version).</summary>
    public void Publish(params (string Name, string Version, string? Depends)[] packages)
    {
        var built = Path.Combine(Directory, "built-" + Guid.NewGuid().ToString("N")[..8]);
        var sources = packages.Select(p => Source(p.Name, p.Version, p.Depends)).ToArray();
        PublishedRepository.Expect(ProcessRunner.StorkPublish(["build", .. sources, "-o", built, "--level", "3"]), "build");
        PublishedRepository.Expect(ProcessRunner.StorkPublish(["add", RepoDir, .. System.IO.Directory.GetFiles(built, "*.stork"), "--publish"]), "add");
    }

    public string Source(string name, string version, string? depends = null)
    {
        var dir = Path.Combine(Directory, "src", $"{name}-{version}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "usr", "share", name));
        File.WriteAllText(Path.Combine(dir, "usr", "share", name, "VERSION"), $"{name} {version}\n" + new string('x', 100 * version.Length));
        var dependsJson = depends is null ? "" : $", \"depends\": [[\"{depends}\"]]";
        File.WriteAllText(Path.Combine(dir, "stork-build.json"), $$"""{"name": "{{name}}", "version": "{{version}}", "summary": "test package {{name}}"{{dependsJson}}}""");
        return dir;
    }

    public void StopServing() => Nginx.Dispose();

    public void Dispose()
    {
        Nginx.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A host initialised against this repository with the named guests.</summary>
    public TestHost NewHost(params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", Nginx.BaseUrl.ToString(), "--root", RootFile), "init");
        foreach (var guest in guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }
}
