using Stork.Integration.Tests.Support;
using Xunit;

namespace Stork.Integration.Tests.Fleet;

/// <summary>The shipped systemd units, installed by systemd/install-units.sh into a scratch folder and checked by systemd-analyze.</summary>
public sealed class SystemdUnitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-units-").FullName;

    [Fact]
    public void Every_unit_installs_with_the_documented_command_and_passes_systemd_analyze_verify()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("systemd-analyze is missing: apt-get install -y systemd (./test.sh does this)");
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var units = Directory.CreateDirectory(Path.Combine(_dir, "units")).FullName;
        foreach (var tool in new[] { "stork-get", "stork-publish" })
        {
            File.WriteAllText(Path.Combine(bin, tool), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(bin, tool), (UnixFileMode)0b111_101_101);
        }
        var repo = Directory.CreateDirectory(Path.Combine(_dir, "repo")).FullName;
        File.WriteAllText(Path.Combine(repo, "stork-repo.json"), "{}");
        var env = new Dictionary<string, string> { ["UNIT_DIR"] = units, ["BIN_DIR"] = bin, ["ENV_FILE"] = Path.Combine(_dir, "stork-timestamp.env") };
        var script = RepoRoot.File("systemd", "install-units.sh");
        foreach (var args in new[] { new[] { "agent" }, ["apply-timer"], ["timestamp", repo] })
        {
            var install = ProcessRunner.Run("sh", [script, .. args], environment: env);
            Assert.True(install.ExitCode == 0, install.ToString());
        }
        Assert.Equal($"STORK_REPO={repo}\n", File.ReadAllText(env["ENV_FILE"]));
        var installed = Directory.GetFiles(units).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["stork-agent.service", "stork-apply.service", "stork-apply.timer", "stork-timestamp.service", "stork-timestamp.timer"], installed);
        Assert.Contains($"ExecStart={bin}/stork-get agent", File.ReadAllText(Path.Combine(units, "stork-agent.service")));

        var verify = ProcessRunner.Run(analyze, ["verify", "--man=no", .. Directory.GetFiles(units).Order()], workingDirectory: units);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal("", verify.Stderr.Trim());   // warnings (unknown keys, bad values) count as failures too

        // A wrong call is a usage error and installs nothing.
        var bad = ProcessRunner.Run("sh", [script, "timestamp", _dir], environment: env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("is not a repository", bad.Stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
