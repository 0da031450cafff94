using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// Maintainer script failures and dpkg-owned files in minbase guests, with small packages built by the test: a failing
/// postinst is that guest's error (exit 6) while the other guest of the same command installs and configures; the
/// failed one has its files (a new generation) and is configured by its next change. A Stork package shipping a file
/// of the guest's own dpkg packages is a conflict that changes nothing.
/// </summary>
[Collection("debian")]
public sealed class DebianScriptFailureTests(ImportedDebianRepository repo)
{
    [Fact]
    public void A_failing_postinst_fails_only_its_guest_and_is_configured_by_the_next_change()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        foreach (var g in new[] { "fail-a", "fail-b" })
        {
            MinbaseImage.ExtractTo(host.GuestRoot(g));
            PublishedRepository.Expect(host.Get("guest", "add", g, "--root", host.GuestRoot(g)), $"guest add {g}");
        }
        File.WriteAllText(Path.Combine(host.GuestRoot("fail-a"), "etc/stork-fail"), "make the postinst fail\n");
        var postinst = """
            #!/bin/sh
            set -e
            if [ "$1" = configure ]; then
                if [ -e /etc/stork-fail ]; then echo "stork-check: /etc/stork-fail is present" >&2; exit 3; fi
                echo "$DPKG_MAINTSCRIPT_NAME $DPKG_MAINTSCRIPT_PACKAGE $DEBIAN_FRONTEND" > /var/lib/stork-check.configured
            fi
            """;
        var published = Publish(host, "stork-check", new() { ["usr/share/stork-check/README"] = "checks\n" }, postinst);
        try
        {
            var install = host.Get("install", "--guest", "fail-a", "--guest", "fail-b", "stork-check");
            Assert.True(install.ExitCode == 6, install.ToString());
            Assert.Contains("error: guest fail-a: stork-check postinst configure", install.Stderr);
            Assert.Contains("/etc/stork-fail is present", install.Stderr);
            Assert.DoesNotContain("guest fail-b:", install.Stderr);
            // The other guest of the same command: installed and configured, with dpkg's environment.
            Assert.Equal("postinst stork-check noninteractive", File.ReadAllText(Path.Combine(host.GuestRoot("fail-b"), "var/lib/stork-check.configured")).Trim());
            // The failed guest: files in place as a new generation, not configured.
            Assert.True(File.Exists(Path.Combine(host.GuestRoot("fail-a"), "usr/share/stork-check/README")));
            Assert.False(File.Exists(Path.Combine(host.GuestRoot("fail-a"), "var/lib/stork-check.configured")));
            var list = host.Get("list", "--guest", "fail-a");
            Assert.Contains("stork-check", list.Stdout);

            File.Delete(Path.Combine(host.GuestRoot("fail-a"), "etc/stork-fail"));
            var retry = host.Get("install", "--guest", "fail-a", "stork-check");
            Assert.True(retry.ExitCode == 0, retry.ToString());
            Assert.True(File.Exists(Path.Combine(host.GuestRoot("fail-a"), "var/lib/stork-check.configured")), DebianMinbaseTests.Log(host, "fail-a"));
        }
        finally { Withdraw(published); }
    }

    [Fact]
    public void A_package_shipping_a_file_of_the_guests_dpkg_is_refused_and_nothing_changes()
    {
        Assert.True(Environment.UserName == "root", "needs root");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        MinbaseImage.ExtractTo(host.GuestRoot("clash"));
        PublishedRepository.Expect(host.Get("guest", "add", "clash", "--root", host.GuestRoot("clash")), "guest add");
        var hostname = Path.Combine(host.GuestRoot("clash"), "usr/bin/hostname");
        var before = File.ReadAllBytes(hostname);
        var published = Publish(host, "stork-clash", new() { ["usr/bin/hostname"] = "#!/bin/sh\necho not dpkg's\n" }, null);
        try
        {
            var install = host.Get("install", "--guest", "clash", "stork-clash");
            Assert.True(install.ExitCode == 6, install.ToString());
            Assert.Contains("'/usr/bin/hostname'", install.Stderr);
            Assert.Contains("dpkg -S /usr/bin/hostname", install.Stderr);
            Assert.Equal(before, File.ReadAllBytes(hostname));
            Assert.DoesNotContain("stork-clash", host.Get("list", "--guest", "clash").Stdout);
        }
        finally { Withdraw(published); }
    }

    [Fact]
    public void The_guests_dpkg_sees_stork_packages_and_refuses_to_overwrite_their_files()
    {
        Assert.True(Environment.UserName == "root", "needs root");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = host.GuestRoot("apt");
        MinbaseImage.ExtractTo(root);
        PublishedRepository.Expect(host.Get("guest", "add", "apt", "--root", root), "guest add");
        const string conf = "setting = 1\n";
        var published = TestDebs.Publish(repo, host, "stork-owned", "1.0-1",
            new() { ["usr/share/stork-owned/data"] = "stork's\n", ["etc/stork-owned.conf"] = conf }, null, conffiles: ["etc/stork-owned.conf"]);
        try
        {
            PublishedRepository.Expect(host.Get("install", "--guest", "apt", "stork-owned"), "install stork-owned");
            // The config file is a conffile for the guest's dpkg, with the md5 of the shipped content.
            var conffiles = ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "-f", "${Conffiles}", "stork-owned"]);
            var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(conf)));
            Assert.True(conffiles.ExitCode == 0 && conffiles.Stdout.Trim() == $"/etc/stork-owned.conf {md5}", conffiles.ToString());
            var status = ProcessRunner.Run("chroot", [root, "dpkg", "--status", "stork-owned"]);
            Assert.Contains($"Conffiles:\n /etc/stork-owned.conf {md5}\n", status.Stdout);
            var query = ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "-f", "${Status} ${Version}", "stork-owned"]);
            Assert.True(query.ExitCode == 0 && query.Stdout == "install ok installed 1.0-1", query.ToString());
            var owner = ProcessRunner.Run("chroot", [root, "dpkg", "-S", "/usr/share/stork-owned/data"]);
            Assert.True(owner.ExitCode == 0 && owner.Stdout.StartsWith("stork-owned:"), owner.ToString());
            // dpkg -V checks Stork's files against the md5sums Stork registered (a wrong sum would print "??5??????").
            Assert.True(File.Exists(Path.Combine(root, "var/lib/dpkg/info/stork-owned.md5sums")));
            var verify = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "stork-owned"]);
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim() == "", verify.ToString());
            // An admin's edit of the conffile is what dpkg -V reports, marked as a conffile ("c").
            File.WriteAllText(Path.Combine(root, "etc/stork-owned.conf"), "setting = 2\n");
            var edited = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "stork-owned"]);
            Assert.True(edited.Stdout.Trim() == "??5?????? c /etc/stork-owned.conf", edited.ToString());
            File.WriteAllText(Path.Combine(root, "etc/stork-owned.conf"), conf);

            // A Debian package shipping the same path, installed by the guest's own dpkg (as apt-get install would).
            var intruder = BuildDeb(host, "intruder", new() { ["usr/share/stork-owned/data"] = "intruder's\n" }, null);
            File.Copy(intruder, Path.Combine(root, "tmp/intruder.deb"));
            var dpkg = ProcessRunner.Run("chroot", [root, "dpkg", "-i", "/tmp/intruder.deb"]);
            Assert.NotEqual(0, dpkg.ExitCode);
            Assert.Contains("trying to overwrite '/usr/share/stork-owned/data', which is also in package stork-owned", dpkg.Stdout + dpkg.Stderr);
            Assert.Equal("stork's\n", File.ReadAllText(Path.Combine(root, "usr/share/stork-owned/data")));

            // Removing it with Stork takes it out of dpkg's database too; the image's own packages stay.
            PublishedRepository.Expect(host.Get("remove", "--guest", "apt", "stork-owned"), "remove stork-owned");
            Assert.NotEqual(0, ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "stork-owned"]).ExitCode);
            Assert.Equal(0, ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "libc6"]).ExitCode);
            Assert.Equal(0, ProcessRunner.Run("chroot", [root, "dpkg", "--audit"]).ExitCode);
        }
        finally { Withdraw(published); }
    }

    (string Name, string Version) Publish(TestHost host, string name, Dictionary<string, string> files, string? postinst) =>
        TestDebs.Publish(repo, host, name, "1.0-1", files, postinst);

    static string BuildDeb(TestHost host, string name, Dictionary<string, string> files, string? postinst) =>
        TestDebs.Build(host, name, "1.0-1", files, postinst);

    void Withdraw((string Name, string Version) package) => TestDebs.Withdraw(repo, package);
}
