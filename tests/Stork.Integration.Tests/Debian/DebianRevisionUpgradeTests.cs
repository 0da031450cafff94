using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// A security update that only changes the Debian revision (<c>+deb12u1</c> → <c>+deb12u2</c>, built by the test)
/// installs as an upgrade inside a minbase guest registered with <c>--base dpkg</c>: the plan says upgrade, the new
/// postinst is told the old version, and the guest's dpkg sees the new one. The same guest without its dpkg database
/// is that guest's error, not a guest without a base.
/// </summary>
[Collection("debian")]
public sealed class DebianRevisionUpgradeTests(ImportedDebianRepository repo)
{
    [Fact]
    public void A_revision_only_update_is_an_upgrade_in_a_minbase_guest()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = host.GuestRoot("rev");
        MinbaseImage.ExtractTo(root);
        var added = host.Get("guest", "add", "rev", "--root", root, "--base", "dpkg", "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal("dpkg", (string?)JsonNode.Parse(added.Stdout)!["base"]);
        const string postinst = """
            #!/bin/sh
            set -e
            if [ "$1" = configure ]; then echo "configure $DPKG_MAINTSCRIPT_PACKAGE from '$2'" >> /var/lib/stork-rev.log; fi
            """;
        var u1 = TestDebs.Publish(repo, host, "stork-rev", "1.0-1+deb12u1", new() { ["usr/share/stork-rev/VERSION"] = "u1\n" }, postinst);
        (string, string)? u2 = null;
        try
        {
            PublishedRepository.Expect(host.Get("install", "--guest", "rev", "stork-rev"), "install stork-rev");
            Assert.Equal("1.0-1+deb12u1", DpkgVersion(root));

            u2 = TestDebs.Publish(repo, host, "stork-rev", "1.0-1+deb12u2", new() { ["usr/share/stork-rev/VERSION"] = "u2\n" }, postinst);
            var upgrade = host.Get("upgrade", "--guest", "rev", "--json");
            Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
            var json = JsonNode.Parse(upgrade.Stdout)!;
            Assert.Contains(Strings(json, "upgraded"), u => u.StartsWith("stork-rev ", StringComparison.Ordinal));
            Assert.DoesNotContain(Strings(json, "downgraded"), u => u.StartsWith("stork-rev ", StringComparison.Ordinal));
            Assert.Equal("u2\n", File.ReadAllText(Path.Combine(root, "usr/share/stork-rev/VERSION")));
            Assert.Equal("1.0-1+deb12u2", DpkgVersion(root));
            Assert.Equal(["configure stork-rev from ''", "configure stork-rev from '1.0-1+deb12u1'"],
                File.ReadAllLines(Path.Combine(root, "var/lib/stork-rev.log")));
            var verify = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "stork-rev"]);
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim() == "", verify.ToString());

            // Registered with --base dpkg, the guest without its dpkg database is refused, and nothing changes.
            var status = Path.Combine(root, "var/lib/dpkg/status");
            File.Move(status, status + ".away");
            var refused = host.Get("remove", "--guest", "rev", "stork-rev");
            File.Move(status + ".away", status);
            Assert.True(refused.ExitCode == 6, refused.ToString());
            Assert.Contains("error: guest 'rev' was registered with --base dpkg but has no /var/lib/dpkg/status", refused.Stderr);
            Assert.True(File.Exists(Path.Combine(root, "usr/share/stork-rev/VERSION")));
        }
        finally
        {
            if (u2 is { } second) TestDebs.Withdraw(repo, second);
            TestDebs.Withdraw(repo, u1);
        }
    }

    static string DpkgVersion(string root)
    {
        var query = ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "-f", "${Status} ${Version}", "stork-rev"]);
        Assert.True(query.ExitCode == 0 && query.Stdout.StartsWith("install ok installed ", StringComparison.Ordinal), query.ToString());
        return query.Stdout["install ok installed ".Length..];
    }

    // Every string of every array named NAME anywhere in the document.
    static List<string> Strings(JsonNode node, string name)
    {
        var found = new List<string>();
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o)
                foreach (var (key, value) in o)
                {
                    if (key == name && value is JsonArray a) found.AddRange(a.Select(x => x?.GetValue<string>() ?? ""));
                    else Walk(value);
                }
            else if (n is JsonArray arr) foreach (var x in arr) Walk(x);
        }
        Walk(node);
        return found;
    }
}
