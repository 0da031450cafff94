using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>
/// stork-publish add streams what it is given (files, folders, --from LIST) without a list of every file: a file named
/// twice is queued once, and a name that does not exist, even late in a list file, leaves the repository unchanged.
/// </summary>
public sealed class PublisherAddArgumentsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-add-").FullName;

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string Built()
    {
        var output = Path.Combine(_dir, "out");
        var sources = new List<string>();
        foreach (var name in new[] { "alpha", "beta", "gamma" })
        {
            var dir = Path.Combine(_dir, "src", name);
            Directory.CreateDirectory(Path.Combine(dir, "usr", "share", name));
            File.WriteAllText(Path.Combine(dir, "usr", "share", name, "data.txt"), $"{name}\n");
            File.WriteAllText(Path.Combine(dir, "stork-build.json"), $$"""{"name": "{{name}}", "version": "1.0.0", "include": ["**/*"]}""");
            sources.Add(dir);
        }
        var built = ProcessRunner.StorkPublish(["build", .. sources, "-o", output]);
        Assert.True(built.ExitCode == 0, built.ToString());
        return output;
    }

    private string Repository(string name)
    {
        var repo = Path.Combine(_dir, name);
        var init = ProcessRunner.StorkPublish("init", repo);
        Assert.True(init.ExitCode == 0, init.ToString());
        return repo;
    }

    [Fact]
    public void Files_folders_and_a_list_file_are_queued_once_each_and_a_missing_name_changes_nothing()
    {
        var output = Built();
        var list = Path.Combine(_dir, "list.txt");
        File.WriteAllText(list, $"# packages\n\n{Path.Combine(output, "beta_1.0.0.stork")}\n{output}\n");
        var repo = Repository("repo");
        var added = ProcessRunner.StorkPublish("add", repo, Path.Combine(output, "alpha_1.0.0.stork"), "--from", list, "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        // Every file as given (alpha, beta, then the folder's three), in order; the queue holds each path once.
        Assert.Equal(["alpha", "beta", "alpha", "beta", "gamma"], JsonNode.Parse(added.Stdout)!["added"]!.AsArray().Select(p => (string)p!["name"]!));
        var published = ProcessRunner.StorkPublish("publish", repo, "--json");
        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.Equal(3, (int)JsonNode.Parse(published.Stdout)!["added_targets"]!);

        var refused = Repository("refused");
        var badList = Path.Combine(_dir, "bad-list.txt");
        var missing = Path.Combine(_dir, "nowhere", "delta_1.0.0.stork");
        File.WriteAllText(badList, $"{output}\n{missing}\n");
        var targetsBefore = Directory.GetFiles(Path.Combine(refused, "public", "targets"), "*", SearchOption.AllDirectories);
        var failed = ProcessRunner.StorkPublish("add", refused, "--from", badList);
        Assert.Equal(7, failed.ExitCode);
        Assert.Contains("error:", failed.Stderr);
        Assert.Contains(missing, failed.Stderr);
        Assert.False(File.Exists(Path.Combine(refused, "pending-targets.json")));
        Assert.Equal(targetsBefore, Directory.GetFiles(Path.Combine(refused, "public", "targets"), "*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetFiles(refused), f => Path.GetFileName(f).StartsWith("pending", StringComparison.Ordinal));
    }
}
