using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// <c>stork-get rollback</c> through the CLI in a minbase guest, with maintainer scripts allowed: install v1, upgrade to
/// v2, roll back; every script leaves a trace, so the order and arguments are dpkg's (going back is an upgrade to the
/// older version), and afterwards the guest's dpkg says v1 and holds v1's scripts in /var/lib/dpkg/info.
/// </summary>
[Collection("debian")]
public sealed class DebianRollbackTests(ImportedDebianRepository repo)
{
    // Each version's scripts name their own version (baked in), so the trace and the info files say whose script it was.
    static Dictionary<string, string> Scripts(string version) => new[] { "preinst", "postinst", "prerm", "postrm" }.ToDictionary(s => s, s => $$"""
        #!/bin/sh
        # stork-rb {{version}}
        echo "{{version}} $DPKG_MAINTSCRIPT_NAME $*" >> /var/lib/stork-rb.log
        """);

    [Fact]
    public void Rollback_runs_the_maintainer_scripts_in_dpkgs_order_and_the_guests_dpkg_is_back_at_v1()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = host.GuestRoot("rb");
        MinbaseImage.ExtractTo(root);
        PublishedRepository.Expect(host.Get("guest", "add", "rb", "--root", root, "--base", "dpkg"), "guest add rb");
        var v1 = TestDebs.Publish(repo, host, "stork-rb", "1.0-1", new() { ["usr/share/stork-rb/VERSION"] = "1\n" }, null, Scripts("1.0-1"));
        (string, string)? v2 = null;
        try
        {
            PublishedRepository.Expect(host.Get("install", "--guest", "rb", "stork-rb"), "install stork-rb");
            v2 = TestDebs.Publish(repo, host, "stork-rb", "2.0-1", new() { ["usr/share/stork-rb/VERSION"] = "2\n" }, null, Scripts("2.0-1"));
            PublishedRepository.Expect(host.Get("upgrade", "--guest", "rb"), "upgrade");
            Assert.Equal("2\n", File.ReadAllText(Path.Combine(root, "usr/share/stork-rb/VERSION")));
            Assert.Equal("2.0-1", DpkgVersion(root));

            var rollback = host.Get("rollback", "--guest", "rb");
            Assert.True(rollback.ExitCode == 0, rollback.ToString());
            Assert.Equal("1\n", File.ReadAllText(Path.Combine(root, "usr/share/stork-rb/VERSION")));
            Assert.Equal([
                "1.0-1 preinst install",
                "1.0-1 postinst configure ",
                // upgrade
                "1.0-1 prerm upgrade 2.0-1",
                "2.0-1 preinst upgrade 1.0-1",
                "1.0-1 postrm upgrade 2.0-1",
                "2.0-1 postinst configure 1.0-1",
                // rollback: for dpkg an upgrade to the older version
                "2.0-1 prerm upgrade 1.0-1",
                "1.0-1 preinst upgrade 2.0-1",
                "2.0-1 postrm upgrade 1.0-1",
                "1.0-1 postinst configure 2.0-1",
            ], File.ReadAllLines(Path.Combine(root, "var/lib/stork-rb.log")));

            // The guest's dpkg: v1 installed, v1's four scripts in its info directory, files as v1's md5sums say.
            Assert.Equal("1.0-1", DpkgVersion(root));
            foreach (var script in new[] { "preinst", "postinst", "prerm", "postrm" })
                Assert.Contains("# stork-rb 1.0-1\n", File.ReadAllText(Path.Combine(root, "var/lib/dpkg/info", "stork-rb." + script)));
            var verify = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "stork-rb"]);
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim() == "", verify.ToString());
            Assert.Equal(0, ProcessRunner.Run("chroot", [root, "dpkg", "--audit"]).ExitCode);
        }
        finally
        {
            if (v2 is { } second) TestDebs.Withdraw(repo, second);
            TestDebs.Withdraw(repo, v1);
        }
    }

    static string DpkgVersion(string root)
    {
        var query = ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "-f", "${Status} ${Version}", "stork-rb"]);
        Assert.True(query.ExitCode == 0 && query.Stdout.StartsWith("install ok installed ", StringComparison.Ordinal), query.ToString());
        return query.Stdout["install ok installed ".Length..];
    }
}
