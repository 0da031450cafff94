using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>One error line, did-you-mean, options anywhere, JSON errors, guest globs, init --force, dry-run sizes.</summary>
public sealed class CliConventionTests
{
    private static string[] ErrorLines(ProcessResult r) => r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToArray();

    [Fact]
    public void Typos_and_misplaced_options_give_one_error_line_with_a_suggestion()
    {
        using var repo = new SmallRepository(("hello", "1.0.0", null));
        using var host = repo.NewHost("g1", "web1", "web2");

        var command = host.Get("instal", "hello");
        Assert.Equal(2, command.ExitCode);
        Assert.Equal("error: 'instal' is not a stork-get command; did you mean install? (see stork-get --help)", command.Stderr.Trim());

        var option = host.Get("install", "-g", "g1", "hello", "-y");
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("unknown option '-y'", Assert.Single(ErrorLines(option)));
        Assert.Equal("", option.Stdout);

        var longOption = host.Get("install", "-g", "g1", "hello", "--dry-rn");
        Assert.Equal(2, longOption.ExitCode);
        Assert.Contains("did you mean --dry-run?", Assert.Single(ErrorLines(longOption)));

        var package = host.Get("install", "-g", "g1", "helo");
        Assert.Equal(5, package.ExitCode);
        Assert.Contains("did you mean hello?", Assert.Single(ErrorLines(package)));

        var guest = host.Get("install", "-g", "web3x", "hello");
        Assert.Equal(6, guest.ExitCode);
        Assert.Contains("no guest named 'web3x'", Assert.Single(ErrorLines(guest)));

        var glob = host.Get("install", "-g", "db*", "hello");
        Assert.Equal(2, glob.ExitCode);
        Assert.Contains("'db*' matches no registered guest", Assert.Single(ErrorLines(glob)));

        var none = host.Get("install", "hello");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--all-guests", Assert.Single(ErrorLines(none)));
        Assert.Empty(Directory.GetFileSystemEntries(host.GuestRoot("g1")));
    }

    [Fact]
    public void Json_errors_are_one_object_on_stdout_with_the_same_exit_code()
    {
        using var repo = new SmallRepository(("hello", "1.0.0", null));
        using var host = repo.NewHost("g1");
        var unknown = host.Get("install", "-g", "g1", "helo", "--json");
        Assert.Equal(5, unknown.ExitCode);
        var error = JsonNode.Parse(unknown.Stdout)!["error"]!;
        Assert.Equal(5, (int)error["code"]!);
        Assert.Equal("request", (string)error["kind"]!);
        Assert.Contains("did you mean hello?", (string)error["message"]!);

        var usage = host.Get("instal", "--json");
        Assert.Equal(2, usage.ExitCode);
        Assert.Equal("usage", (string)JsonNode.Parse(usage.Stdout)!["error"]!["kind"]!);

        var publish = ProcessRunner.StorkPublish("build", Path.Combine(repo.Directory, "no-such-dir"), "--json");
        Assert.Equal(7, publish.ExitCode);
        Assert.Equal("local", (string)JsonNode.Parse(publish.Stdout)!["error"]!["kind"]!);
    }

    [Fact]
    public void An_unsolvable_request_carries_its_explanation_steps_in_json()
    {
        using var repo = new SmallRepository(("web", "1.0.0", "libfoo [2.0.0,)"), ("libfoo", "1.0.0", null));
        using var host = repo.NewHost("g1");
        var run = host.Get("install", "-g", "g1", "web", "--json");
        Assert.Equal(5, run.ExitCode);
        var error = JsonNode.Parse(run.Stdout)!["error"]!;
        var message = (string)error["message"]!;
        var steps = error["explanation"]!.AsArray();
        Assert.Equal(["request", "conclusion"], steps.Select(s => (string)s!["fact"]!));
        foreach (var step in steps) Assert.Contains((string)step!["text"]!, message);
        Assert.Contains("no available package matches", (string)steps[^1]!["text"]!);
        Assert.Empty(Directory.GetFileSystemEntries(host.GuestRoot("g1")));
    }

    [Fact]
    public void Init_refuses_to_replace_trust_without_force_and_keeps_other_settings_with_it()
    {
        using var repo = new SmallRepository(("hello", "1.0.0", null));
        using var other = new SmallRepository(("hello", "1.0.0", null));
        using var host = repo.NewHost();
        var config = Path.Combine(host.Home, "config", "stork.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["parallel_downloads"] = 2;
        json["trusted_roles"] = new JsonArray("targets");
        File.WriteAllText(config, json.ToJsonString());

        // The same root and repository again: nothing to change, exit 0.
        var same = host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile);
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("nothing changed", same.Stdout);

        var refused = host.Get("init", "--repo", other.Nginx.BaseUrl.ToString(), "--root", other.RootFile);
        Assert.Equal(7, refused.ExitCode);
        Assert.Contains("--force", Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(json.ToJsonString(), JsonNode.Parse(File.ReadAllText(config))!.ToJsonString());

        var forced = host.Get("init", "--repo", other.Nginx.BaseUrl.ToString(), "--root", other.RootFile, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("changed repository:", forced.Stdout);
        Assert.Contains("changed trusted root", forced.Stdout);
        Assert.Contains("kept parallel_downloads, trusted_roles", forced.Stdout);
        var after = JsonNode.Parse(File.ReadAllText(config))!;
        Assert.Equal(2, (int)after["parallel_downloads"]!);
        Assert.Equal(other.Nginx.BaseUrl.ToString(), (string)after["repository"]!);
        Assert.Equal(File.ReadAllText(other.RootFile), File.ReadAllText(Path.Combine(host.Home, "state", "metadata", "root.json")));
    }

    [Fact]
    public void Dry_run_on_a_cold_cache_gives_download_size_and_disk_change_from_signed_metadata()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null), ("app", "1.0.0", "tool [1.0.0,)"));
        using var host = repo.NewHost("a");
        var dry = host.Get("install", "-g", "a", "app", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        var plan = JsonNode.Parse(dry.Stdout)!.AsArray().Single()!;
        var blobs = Directory.GetFiles(Path.Combine(repo.RepoDir, "public"), "*.stork", SearchOption.AllDirectories);
        Assert.Equal(blobs.Sum(b => new FileInfo(b).Length), (long)plan["download_bytes"]!);
        Assert.Equal(2, (int)plan["download_blobs"]!);
        // Each package holds usr/share/NAME/VERSION: "NAME 1.0.0\n" + 500 x.
        Assert.Equal("tool 1.0.0\n".Length + "app 1.0.0\n".Length + 1000, (long)plan["disk_change_bytes"]!);
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(host.Home, "cache"), "*", SearchOption.AllDirectories), f => !f.EndsWith(".lock"));
        var text = host.Get("install", "-g", "a", "app", "--dry-run");
        Assert.Contains("need to download", text.Stdout);
        Assert.Contains("grows by 1021 B", text.Stdout);
    }
}
