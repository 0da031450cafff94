using System.Diagnostics;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>
/// The shipped bash completion (dist/completions/stork-get.bash; zsh runs the same rules through bashcompinit)
/// completes guest and package names from the host's local state, through the hidden `stork-get __complete`.
/// </summary>
public sealed class CompletionTests
{
    [Fact]
    public void Bash_completion_offers_guest_package_and_installed_names_from_local_state()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null), ("app", "1.0.0", "tool [1.0.0,)"), ("zeta", "1.0.0", null));
        using var host = repo.NewHost("web1", "web2", "db");
        PublishedRepository.Expect(host.Get("install", "-g", "web1", "app"), "install app");
        repo.StopServing(); // local state only: no network at completion time

        var bin = Path.Combine(host.Directory, "bin");
        Directory.CreateDirectory(bin);
        var dll = RepoRoot.File("client/Stork.Get.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-get.dll");
        File.WriteAllText(Path.Combine(bin, "stork-get"), $"#!/bin/sh\nexec dotnet '{dll}' \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "stork-get"), (UnixFileMode)0b111_101_101);

        string[] Complete(params string[] words)
        {
            var script = RepoRoot.File("dist", "completions", "stork-get.bash");
            var result = ProcessRunner.Run("bash", ["-c", $"source '{script}'; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _stork_get; printf '%s\\n' \"${{COMPREPLY[@]}}\"", "_",
                    "stork-get", "--home", host.Home, .. words],
                environment: new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("", result.Stderr);
            return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        }

        Assert.Equal(["web1", "web2"], Complete("install", "-g", "web"));
        Assert.Equal(["db", "web1", "web2"], Complete("list", "--guest", ""));
        Assert.Equal(["app"], Complete("install", "-g", "db", "a"));            // package names from the stored signed metadata
        Assert.Equal(["zeta"], Complete("show", "z"));
        Assert.Equal(["app", "tool"], Complete("remove", "-g", "web1", "").Where(w => !w.StartsWith('-')));
        Assert.Equal(["db"], Complete("guest", "remove", "d"));
        Assert.Contains("--dry-run", Complete("install", "--dr"));              // options as before, no names after a dash
        Assert.DoesNotContain("app", Complete("install", "-"));
        Assert.Equal(["install"], Complete("inst"));                            // commands as before

        // The helper itself: one name per line, and nothing at all (exit 0) for a host without state.
        var guests = host.Get("__complete", "guests");
        Assert.Equal("db\nweb1\nweb2\n", guests.Stdout);
        var watch = Stopwatch.StartNew();
        var empty = ProcessRunner.StorkGet("--home", Path.Combine(host.Directory, "no-such-home"), "__complete", "packages");
        Assert.True(empty.ExitCode == 0 && empty.Stdout == "" && empty.Stderr == "", empty.ToString());
        Assert.False(Directory.Exists(Path.Combine(host.Directory, "no-such-home", "state")), "__complete created state");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"__complete took {watch.Elapsed}");
    }
}
