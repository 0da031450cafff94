using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Interop;

/// <summary>
/// stork-get installs from a repository written by @tufjs/models, an independent TUF writer, with one package
/// in a delegated role: our metadata reading, delegation search and package index do not depend on our writer.
/// </summary>
public sealed class TufModelsWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-tufjs-repo-").FullName;

    [Fact]
    public void Stork_get_installs_from_a_tufjs_models_repository_with_a_delegated_role()
    {
        // Build the fixture packages with our builder, then let the independent writer publish them.
        var built = Path.Combine(_dir, "built");
        var targets = new JsonArray();
        foreach (var source in Fixtures.PackageDirs.Where(d => !Path.GetFileName(d).StartsWith("libdemo", StringComparison.Ordinal)))
        {
            PublishedRepository.Expect(ProcessRunner.StorkPublish("build", source, "--output", built), "build");
        }
        foreach (var blob in Directory.GetFiles(built, "*.stork").Order(StringComparer.Ordinal))
        {
            var info = ReadInfo(blob);
            var name = info["name"]!.GetValue<string>();
            var version = info["version"]!.GetValue<string>();
            targets.Add(new JsonObject
            {
                ["path"] = $"packages/{name}/{name}-{version}.stork",
                ["file"] = blob,
                ["custom"] = new JsonObject { ["stork"] = info },
                ["role"] = name == "greet-data" ? "greeters" : "targets",
            });
        }
        var spec = new JsonObject
        {
            ["out"] = Path.Combine(_dir, "repo"),
            ["targets"] = targets,
            ["delegations"] = new JsonArray(new JsonObject { ["name"] = "greeters", ["paths"] = new JsonArray("packages/greet-data/*") }),
        };
        var specPath = Path.Combine(_dir, "spec.json");
        File.WriteAllText(specPath, spec.ToJsonString());
        var written = Node.Run("tufjs-writer.js", specPath);
        Assert.True(written.ExitCode == 0, written.ToString());

        using var nginx = new NginxServer(Path.Combine(_dir, "repo"));
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(_dir, "repo", "metadata", "1.root.json")), "init");
        PublishedRepository.Expect(host.Get("guest", "add", "one", "--root", host.GuestRoot("one")), "guest add");
        var install = host.Get("install", "--guest", "one", "hello");
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("one"), "etc", "greet.conf")), "greet-data from the delegated role was installed");
        Assert.Contains(nginx.Requests(), l => l.StartsWith("GET /metadata/1.greeters.json 200", StringComparison.Ordinal));
    }

    /// <summary>The package header, as stork-publish add would put it into targets (custom.stork).</summary>
    private static JsonObject ReadInfo(string blob)
    {
        using var reader = Stork.Format.Packages.PackageReader.Open(blob);
        return reader.Manifest.Info.ToJsonNode().AsObject();
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
