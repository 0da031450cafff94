using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>
/// The output conventions of both CLIs through the real programs: --json gives one JSON document on stdout (errors
/// too), -q keeps only warnings, errors and what was asked for, -v says more, NO_COLOR (and a pipe) means no box
/// drawing and no escape codes.
/// </summary>
public sealed class OutputConventionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-output-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Exit 0, stdout is exactly one JSON object (a second document would not parse), no error line.</summary>
    private static JsonObject OneDocument(ProcessResult result, string what)
    {
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
        Assert.DoesNotContain("error:", result.Stderr);
        JsonNode? node = null;
        var parsed = Record.Exception(() => node = JsonNode.Parse(result.Stdout));
        Assert.True(parsed is null && node is JsonObject, $"{what}: stdout is not one JSON object: {parsed?.Message}\n{result}");
        return node!.AsObject();
    }

    private static ProcessResult Publish(params string[] args) => ProcessRunner.StorkPublish(args);

    private string Source(string name, string version)
    {
        var dir = Path.Combine(_dir, "src", $"{name}-{version}");
        Directory.CreateDirectory(Path.Combine(dir, "usr", "share", name));
        File.WriteAllText(Path.Combine(dir, "usr", "share", name, "VERSION"), $"{name} {version}\n");
        File.WriteAllText(Path.Combine(dir, "stork-build.json"), $$"""{"name": "{{name}}", "version": "{{version}}", "summary": "test package {{name}}"}""");
        return dir;
    }

    [Fact]
    public void Every_stork_publish_command_prints_one_json_document_under_json()
    {
        var repo = Path.Combine(_dir, "repo");
        var init = OneDocument(Publish("init", repo, "--json"), "init");
        Assert.Equal(Path.Combine(repo, "public", "metadata", "1.root.json"), (string)init["trusted_root"]!);

        var key = OneDocument(Publish("key", "new", "--out", Path.Combine(_dir, "maint.key.json"), "--json"), "key new");
        Assert.Matches("^[0-9a-f]{64}$", (string)key["keyid"]!);

        var built = Path.Combine(_dir, "built");
        var build = OneDocument(Publish("build", Source("tool", "1.0.0"), Source("app", "1.0.0"), "-o", built, "--level", "3", "--json"), "build");
        Assert.Equal(["tool", "app"], build["built"]!.AsArray().Select(b => (string)b!["name"]!));

        var add = OneDocument(Publish(["add", repo, .. Directory.GetFiles(built, "*.stork"), "--json"]), "add");
        Assert.Equal(2, add["added"]!.AsArray().Count);
        var published = OneDocument(Publish("publish", repo, "--json"), "publish");
        Assert.Equal(2, (int)published["added_targets"]!);
        Assert.Equal(2, (long)published["published"]!["targets_version"]!);

        var list = OneDocument(Publish("list", repo, "--json"), "list");
        Assert.Equal(["app", "tool"], list["packages"]!.AsArray().Select(p => (string)p!["name"]!).Order());
        Assert.True((long)OneDocument(Publish("timestamp", repo, "--refresh", "--json"), "timestamp")["timestamp_version"]! >= 3);
        var verify = OneDocument(Publish("verify", repo, "--json"), "verify");
        Assert.True((bool)verify["ok"]!);
        Assert.Equal(2, (int)verify["targets_checked"]!);
        Assert.Empty(verify["problems"]!.AsArray());
        var mapped = OneDocument(Publish("deb-version", "1.2-3", "--json"), "deb-version")["versions"]![0]!;
        Assert.Equal("1.2-3", (string)mapped["debian"]!);
        Assert.Equal(Publish("deb-version", "1.2-3").Stdout.Trim(), (string)mapped["semver"]!);

        // Key and root commands that re-sign: threshold, key add, the offline root round trip.
        var threshold = OneDocument(Publish("threshold", repo, "--role", "snapshot", "--value", "1", "--json"), "threshold");
        Assert.Equal(1, (int)threshold["threshold"]!);
        var added = OneDocument(Publish("key", "add", repo, "--role", "timestamp", "--json"), "key add");
        Assert.True((bool)added["published"]!);
        var next = Path.Combine(_dir, "next-root.json");
        var export = OneDocument(Publish("root", "export", repo, "--out", next, "--json"), "root export");
        Assert.Equal(next, (string)export["file"]!);
        var sign = OneDocument(Publish("sign", next, "--key", Path.Combine(repo, "keys", "root.key.json"), "--json"), "sign");
        Assert.Single(sign["signed_by"]!.AsArray());
        var import = OneDocument(Publish("root", "import", repo, next, "--json"), "root import");
        Assert.Equal((long)export["root_version"]!, (long)import["root_version"]!);

        var remove = OneDocument(Publish("remove", repo, "app", "1.0.0", "--json"), "remove");
        Assert.Equal("app", (string)remove["removed"]!["name"]!);
        var delegate_ = OneDocument(Publish("delegate", repo, "team", "--key", Path.Combine(_dir, "maint.key.json"), "--paths", "team/*", "--json"), "delegate");
        Assert.Equal("team", (string)delegate_["role"]!);

        // Fleet manifests.
        var manifest = Path.Combine(_dir, "site.json");
        Assert.Equal(manifest, (string)OneDocument(Publish("fleet", "new", manifest, "--json"), "fleet new")["created"]!);
        OneDocument(Publish("fleet", "group", manifest, "web", "--include", "host1", "--json"), "fleet group");
        Assert.Contains("tool", (string)OneDocument(Publish("fleet", "action", manifest, "web", "install", "tool", "--json"), "fleet action")["action"]!);
        var show = OneDocument(Publish("fleet", "show", manifest, "--json"), "fleet show");
        Assert.NotNull(show["groups"]);
        Assert.Empty(OneDocument(Publish("fleet", "lint", manifest, "--json"), "fleet lint")["problems"]!.AsArray());

        // Errors are one JSON object on stdout too, with the exit code of their class, and nothing on stderr.
        var error = Publish("list", Path.Combine(_dir, "no-such-repo"), "--json");
        Assert.NotEqual(0, error.ExitCode);
        var json = JsonNode.Parse(error.Stdout)!["error"]!;
        Assert.Equal(error.ExitCode, (int)json["code"]!);
        Assert.Contains("no-such-repo", (string)json["message"]!);
        Assert.DoesNotContain("error:", error.Stderr);
        var usage = Publish("deb-version", "not a version!", "--json");
        Assert.Equal(2, usage.ExitCode);
        Assert.Equal(2, (int)JsonNode.Parse(usage.Stdout)!["error"]!["code"]!);
    }

    [Fact]
    public void Stork_publish_quiet_prints_only_what_was_asked_for_and_verbose_says_more()
    {
        var repo = Path.Combine(_dir, "repo");
        var quietInit = Publish("init", repo, "-q");
        Assert.True(quietInit.ExitCode == 0, quietInit.ToString());
        Assert.Equal("", quietInit.Stdout);
        Assert.Contains("PRIVATE KEYS", quietInit.Stderr); // a warning stays
        var built = Path.Combine(_dir, "built");
        var build = Publish("build", Source("tool", "1.0.0"), "-o", built, "--level", "3", "-q");
        Assert.Contains("tool 1.0.0", build.Stdout);           // what was asked for
        var add = Publish(["add", repo, .. Directory.GetFiles(built, "*.stork"), "--publish", "-q"]);
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Equal("", add.Stdout);
        Assert.Contains("tool 1.0.0", Publish("list", repo, "-q").Stdout);

        var normal = Publish("timestamp", repo, "--refresh");
        Assert.Contains("timestamp v", normal.Stdout);
        Assert.DoesNotContain("took", normal.Stderr);
        var verbose = Publish("timestamp", repo, "--refresh", "-v");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("timestamp v", verbose.Stdout);
        Assert.Matches(@"took \d+\.\d\d s", verbose.Stderr);
        // Usage errors are still one error line under -q.
        var typo = Publish("timestamp", repo, "--refersh", "-q");
        Assert.Equal(2, typo.ExitCode);
        Assert.Single(typo.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
    }

    [Fact]
    public void Stork_get_quiet_verbose_and_no_color()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null), ("app", "1.0.0", "tool [1.0.0,)"));
        using var host = repo.NewHost("a", "b");

        var quiet = host.Get("install", "-g", "a", "app", "-q");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stdout);
        Assert.DoesNotContain("error:", quiet.Stderr);
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/app/VERSION")));

        var normal = host.Get("install", "-g", "b", "app", "--dry-run");
        Assert.Contains("app 1.0.0", normal.Stdout);
        Assert.DoesNotContain("timing:", normal.Stderr);
        var verbose = host.Get("install", "-g", "b", "app", "--dry-run", "-v");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Contains("timing: ", verbose.Stderr);                        // each phase's wall time
        Assert.Contains("app 1.0.0", verbose.Stdout);

        // At a terminal (script(1) gives the command a pty) tables are box-drawn; NO_COLOR makes them plain.
        var boxed = AtTerminal(host, null, "list", "-g", "a");
        Assert.Contains("app", boxed);
        Assert.Matches("[─│┌└╭╰]", boxed);
        var plain = AtTerminal(host, "1", "list", "-g", "a");
        Assert.Contains("app", plain);
        Assert.DoesNotMatch("[─│┌└╭╰]", plain);
        Assert.DoesNotMatch("\u001b\\[[0-9;]*m", plain);                  // no colour (SGR) codes
        Assert.Matches("package +version", plain);
        // stork-publish never draws boxes or colours; NO_COLOR at a terminal keeps it that way.
        var publishPlain = AtTerminal(null, "1", "list", repo.RepoDir);
        Assert.Contains("tool 1.0.0", publishPlain);
        Assert.DoesNotMatch("\u001b\\[[0-9;]*m", publishPlain);
        Assert.DoesNotMatch("[─│┌└╭╰]", publishPlain);
    }

    /// <summary>Runs a CLI under script(1) so that its stdout is a terminal; returns what the terminal showed.</summary>
    private static string AtTerminal(TestHost? host, string? noColor, params string[] args)
    {
        var (project, assembly) = host is null ? ("repo-tools/Stork.Publish.Cli", "stork-publish") : ("client/Stork.Get.Cli", "stork-get");
        var dll = RepoRoot.File(project, "bin", RepoRoot.Configuration, "net10.0", assembly + ".dll");
        string[] all = host is null ? args : ["--home", host.Home, .. args];
        var command = string.Join(' ', new[] { "dotnet", dll }.Concat(all).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        if (!File.Exists("/usr/bin/script")) Assert.Fail("script(1) (util-linux/bsdutils) is missing: it gives the CLI a terminal");
        var environment = new Dictionary<string, string> { ["TERM"] = "xterm", ["COLUMNS"] = "120" };
        if (noColor is not null) environment["NO_COLOR"] = noColor;
        var result = ProcessRunner.Run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
