using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// The script runner's edges in minbase guests, through the CLI, with small packages built by the test: a script past
/// its time limit is killed with everything it started; no runner on the host stops the change before anything
/// changes; a file trigger runs the interested package's <c>postinst triggered</c> once, after every configure; and
/// each generation's script runs, their exit status and their (capped) output are in <c>stork-get history</c>.
/// </summary>
[Collection("debian")]
public sealed class DebianScriptRunnerTests(ImportedDebianRepository repo)
{
    [Fact]
    public void A_script_past_its_time_limit_is_killed_with_its_children_and_the_package_is_configured_by_the_retry()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        SetTimeLimit(host, 3);
        var root = Guest(host, "slow");
        // Distinct sleep lengths mark this test's processes in /proc: one in the background, one the script waits for.
        var mark = Random.Shared.Next(1_000_000, 9_000_000);
        var postinst = $$"""
            #!/bin/sh
            if [ "$1" = configure ]; then
                if [ -e /etc/stork-slow-hang ]; then
                    echo "stork-slow: waiting"
                    sleep {{mark}} &
                    sleep {{mark + 1}}
                fi
                echo configured > /var/lib/stork-slow.configured
            fi
            """;
        File.WriteAllText(Path.Combine(root, "etc/stork-slow-hang"), "hang\n");
        var published = TestDebs.Publish(repo, host, "stork-slow", "1.0-1", new() { ["usr/share/stork-slow/README"] = "slow\n" }, postinst);
        try
        {
            var install = host.Get("install", "--guest", "slow", "stork-slow");
            Assert.True(install.ExitCode == 6, install.ToString());
            var error = Assert.Single(ErrorLines(install));
            Assert.Contains("guest slow: stork-slow postinst configure", error);
            Assert.Contains("was killed at its time limit of 3 s (stork.json scripts.time_limit_seconds)", error);
            Assert.Contains("stork-slow: waiting", error);
            // As documented: the files are a new generation, the package is left unconfigured, the next change retries.
            var generation = CurrentGeneration(host, "slow");
            Assert.Contains($"the files are installed as generation {generation}", error);
            Assert.Contains("configured again by the next change of guest slow", error);
            Assert.True(File.Exists(Path.Combine(root, "usr/share/stork-slow/README")));
            Assert.False(File.Exists(Path.Combine(root, "var/lib/stork-slow.configured")));
            Assert.Contains("stork-slow", File.ReadAllText(Path.Combine(host.Home, "state", "scripts", "slow.unconfigured")));
            // Nothing the script started is left: the waited-for sleep and the background one are both gone.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            List<int> left;
            while ((left = ProcessesWith($"sleep\0{mark}\0").Concat(ProcessesWith($"sleep\0{mark + 1}\0")).ToList()).Count > 0 && DateTime.UtcNow < deadline)
                Thread.Sleep(200);
            Assert.True(left.Count == 0, $"processes left behind by the killed script: {string.Join(", ", left)}");
            var run = Assert.Single(ScriptRuns(host, "slow", generation));
            Assert.True((bool)run["timed_out"]! && !(bool)run["ok"]!, run.ToJsonString());
            Assert.Contains("stork-slow: waiting", (string)run["output"]!);

            File.Delete(Path.Combine(root, "etc/stork-slow-hang"));
            SetTimeLimit(host, null);
            var retry = host.Get("install", "--guest", "slow", "stork-slow");
            Assert.True(retry.ExitCode == 0, retry.ToString());
            Assert.True(File.Exists(Path.Combine(root, "var/lib/stork-slow.configured")), DebianMinbaseTests.Log(host, "slow"));
            Assert.Equal(generation, CurrentGeneration(host, "slow")); // the retry changed no files: no new generation
        }
        finally { TestDebs.Withdraw(repo, published); }
    }

    [Fact]
    public void Without_a_script_runner_a_change_with_scripts_stops_before_the_guest_changes()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = Guest(host, "norunner");
        var postinst = """
            #!/bin/sh
            echo ran > /var/lib/stork-norunner.configured
            """;
        var published = TestDebs.Publish(repo, host, "stork-norunner", "1.0-1", new() { ["usr/share/stork-norunner/README"] = "x\n" }, postinst);
        try
        {
            var before = Snapshot(root);
            var generationsBefore = host.Get("--json", "history", "--guest", "norunner");
            // The runner's tools are searched in an empty directory only: bwrap, unshare, setpriv and chroot are absent.
            var empty = Path.Combine(host.Directory, "no-tools");
            Directory.CreateDirectory(empty);
            var install = ProcessRunner.Run("dotnet", [StorkGetDll, "--home", host.Home, "install", "--guest", "norunner", "stork-norunner"],
                environment: new Dictionary<string, string> { ["STORK_SCRIPT_RUNNER_DIRS"] = empty });
            Assert.True(install.ExitCode == 7, install.ToString());
            var error = Assert.Single(ErrorLines(install));
            Assert.Contains($"maintainer scripts are allowed but no script runner was found in {empty}: install bubblewrap (bwrap)", error);
            Assert.Equal(before, Snapshot(root));
            Assert.Equal(generationsBefore.Stdout, host.Get("--json", "history", "--guest", "norunner").Stdout);
            Assert.DoesNotContain("stork-norunner", host.Get("list", "--guest", "norunner").Stdout);
        }
        finally { TestDebs.Withdraw(repo, published); }
    }

    [Fact]
    public void A_file_trigger_runs_postinst_triggered_once_after_every_package_is_configured()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = Guest(host, "trig");
        const string logger = """
            #!/bin/sh
            echo "$DPKG_MAINTSCRIPT_PACKAGE $DPKG_MAINTSCRIPT_NAME $*" >> /var/log/stork-trig.log
            """;
        var interested = TestDebs.Publish(repo, host, "stork-trig-interest", "1.0-1", new() { ["usr/share/stork-trig-interest/README"] = "i\n" }, logger,
            scripts: new() { ["triggers"] = "interest /usr/lib/stork-x" });
        var shipper = TestDebs.Publish(repo, host, "stork-trig-ships", "1.0-1", new() { ["usr/lib/stork-x/data"] = "d\n" }, logger);
        try
        {
            var install = host.Get("install", "--guest", "trig", "stork-trig-interest", "stork-trig-ships");
            Assert.True(install.ExitCode == 0, install.ToString());
            Assert.Equal([
                "stork-trig-interest postinst configure ",
                "stork-trig-ships postinst configure ",
                "stork-trig-interest postinst triggered /usr/lib/stork-x",
            ], File.ReadAllLines(Path.Combine(root, "var/log/stork-trig.log")));
        }
        finally
        {
            TestDebs.Withdraw(repo, interested);
            TestDebs.Withdraw(repo, shipper);
        }
    }

    [Fact]
    public void History_shows_each_generations_scripts_and_their_output()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        Guest(host, "hist");
        // One script that succeeds and prints more than history keeps, one that fails.
        var loud = """
            #!/bin/sh
            echo "stork-loud: first line"
            seq 1 40000
            echo "stork-loud: last line"
            """;
        var failing = """
            #!/bin/sh
            echo "stork-sad: something is wrong" >&2
            exit 4
            """;
        var ok = TestDebs.Publish(repo, host, "stork-loud", "1.0-1", new() { ["usr/share/stork-loud/README"] = "l\n" }, loud);
        var bad = TestDebs.Publish(repo, host, "stork-sad", "1.0-1", new() { ["usr/share/stork-sad/README"] = "s\n" }, failing);
        try
        {
            var install = host.Get("install", "--guest", "hist", "stork-loud", "stork-sad");
            Assert.True(install.ExitCode == 6, install.ToString());
            var generation = CurrentGeneration(host, "hist");
            Assert.Contains($"the scripts' output: stork-get history --guest hist --scripts {generation}", Assert.Single(ErrorLines(install)));

            var table = host.Get("history", "--guest", "hist");
            Assert.True(table.ExitCode == 0, table.ToString());
            Assert.Contains("1 ok, 1 failed", table.Stdout);
            Assert.Contains("stork-get history --guest hist --scripts GEN", table.Stderr);

            var shown = host.Get("history", "--guest", "hist", "--scripts", generation.ToString());
            Assert.True(shown.ExitCode == 0, shown.ToString());
            Assert.Matches(@"=== \S+ \S+ stork-loud postinst configure: exit 0 \(\d+ characters of output cut\)\n", shown.Stdout);
            Assert.Contains("stork-loud: first line\n", shown.Stdout);
            Assert.Contains("stork-loud: last line\n", shown.Stdout);
            Assert.Contains("characters of output cut here]\n", shown.Stdout);
            Assert.Contains("stork-sad postinst configure: exit 4\nstork-sad: something is wrong\n", shown.Stdout);

            var runs = ScriptRuns(host, "hist", generation);
            Assert.Equal(["stork-loud", "stork-sad"], runs.Select(r => (string)r["package"]!));
            var loudRun = runs[0];
            Assert.True((bool)loudRun["ok"]! && (int)loudRun["exit"]! == 0 && (long)loudRun["cut_chars"]! > 0, loudRun.ToJsonString());
            Assert.True(((string)loudRun["output"]!).Length < 70_000, "the kept output is capped");
            Assert.Equal(["configure", ""], ((JsonArray)loudRun["args"]!).Select(a => (string)a!));
            Assert.True(!(bool)runs[1]["ok"]! && (int)runs[1]["exit"]! == 4, runs[1].ToJsonString());

            // The list in --json carries the runs without their output.
            var listed = JsonNode.Parse(host.Get("--json", "history", "--guest", "hist").Stdout)!.AsArray()
                .Single(g => (int)g!["generation"]! == generation)!["scripts"]!.AsArray();
            Assert.Equal(2, listed.Count);
            Assert.Null(listed[0]!["output"]);
        }
        finally
        {
            TestDebs.Withdraw(repo, ok);
            TestDebs.Withdraw(repo, bad);
        }
    }

    static string StorkGetDll => RepoRoot.File("client/Stork.Get.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-get.dll");

    internal static string Guest(TestHost host, string name)
    {
        var root = host.GuestRoot(name);
        MinbaseImage.ExtractTo(root);
        PublishedRepository.Expect(host.Get("guest", "add", name, "--root", root, "--base", "dpkg"), $"guest add {name}");
        return root;
    }

    /// <summary>Sets (or, with null, removes) stork.json's scripts.time_limit_seconds.</summary>
    static void SetTimeLimit(TestHost host, int? seconds)
    {
        var config = Path.Combine(host.Home, "config", "stork.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        var scripts = json["scripts"]!.AsObject();
        if (seconds is { } s) scripts["time_limit_seconds"] = s;
        else scripts.Remove("time_limit_seconds");
        File.WriteAllText(config, json.ToJsonString());
    }

    internal static string[] ErrorLines(ProcessResult result) =>
        result.Stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();

    static int CurrentGeneration(TestHost host, string guest)
    {
        var history = host.Get("--json", "history", "--guest", guest);
        PublishedRepository.Expect(history, "history");
        return (int)JsonNode.Parse(history.Stdout)!.AsArray().Single(g => (bool)g!["current"]!)!["generation"]!;
    }

    static List<JsonObject> ScriptRuns(TestHost host, string guest, int generation)
    {
        var shown = host.Get("--json", "history", "--guest", guest, "--scripts", generation.ToString());
        PublishedRepository.Expect(shown, "history --scripts");
        return JsonNode.Parse(shown.Stdout)!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    /// <summary>Pids whose command line contains <paramref name="needle"/> (arguments separated by NUL, as in /proc).</summary>
    static IEnumerable<int> ProcessesWith(string needle)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (cmdline.Contains(needle, StringComparison.Ordinal)) yield return pid;
        }
    }

    /// <summary>Every path of the root with its type, mode, size and modification time (what a change would alter).</summary>
    static string Snapshot(string root)
    {
        var find = ProcessRunner.Run("find", [root, "-printf", "%P %y %m %s %T@\n"]);
        PublishedRepository.Expect(find, "find");
        return string.Join('\n', find.Stdout.Split('\n').Order(StringComparer.Ordinal));
    }
}
