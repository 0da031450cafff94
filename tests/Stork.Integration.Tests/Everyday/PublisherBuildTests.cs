using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>stork-publish build with several folders, -j, --level, --json, and include globs that match nothing.</summary>
public sealed class PublisherBuildTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-build-").FullName;

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string Source(string name, string include = "**/*")
    {
        var dir = Path.Combine(_dir, "src", name);
        Directory.CreateDirectory(Path.Combine(dir, "usr", "share", name));
        File.WriteAllText(Path.Combine(dir, "usr", "share", name, "data.txt"), string.Concat(Enumerable.Repeat($"{name} data line\n", 2000)));
        File.WriteAllText(Path.Combine(dir, "stork-build.json"), $$"""{"name": "{{name}}", "version": "1.0.0", "include": ["{{include}}"]}""");
        return dir;
    }

    private JsonArray Build(string output, params string[] args)
    {
        var result = ProcessRunner.StorkPublish(["build", .. args, "-o", Path.Combine(_dir, output), "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!["built"]!.AsArray();
    }

    [Fact]
    public void Several_folders_build_in_parallel_deterministically_per_level()
    {
        var sources = new[] { Source("a"), Source("b"), Source("c"), Source("d") };
        var first = Build("one", ["-j", "2", "--level", "3", .. sources]);
        var again = Build("two", ["-j", "4", "--level", "3", .. sources]);
        Assert.Equal(new[] { "a", "b", "c", "d" }, first.Select(p => (string)p!["name"]!));
        Assert.Equal(first.Select(p => (string)p!["sha256"]!), again.Select(p => (string)p!["sha256"]!));
        var best = Build("three", ["-j", "1", .. sources]); // default level 19
        Assert.NotEqual((string)first[0]!["sha256"]!, (string)best[0]!["sha256"]!);
        Assert.True((long)best[0]!["length"]! <= (long)first[0]!["length"]!);
    }

    [Fact]
    public void An_include_glob_matching_nothing_is_an_error_naming_it()
    {
        var good = Source("good");
        var bad = Source("bad", include: "usr/lib/**");
        var result = ProcessRunner.StorkPublish("build", good, bad, "-o", Path.Combine(_dir, "out"));
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("include glob 'usr/lib/**' matches no file", result.Stderr);
        Assert.Contains(bad, result.Stderr);
        Assert.Empty(Directory.Exists(Path.Combine(_dir, "out")) ? Directory.GetFiles(Path.Combine(_dir, "out"), "bad_*") : []);
    }
}
