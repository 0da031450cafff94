using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// Triggers a maintainer script activates with <c>dpkg-trigger</c> (as ca-certificates' postinst does), which dpkg-trigger
/// records in the guest's /var/lib/dpkg/triggers/Unincorp: Stork runs the interested package's <c>postinst triggered</c>
/// once, records the image packages' interest in the guest's status as dpkg does when it incorporates Unincorp (the
/// guest's dpkg runs those), and leaves Unincorp empty; a hostile Unincorp is one guest error, never a hang.
/// </summary>
[Collection("debian")]
public sealed class DebianScriptTriggerTests(ImportedDebianRepository repo)
{
    const string Unincorp = "var/lib/dpkg/triggers/Unincorp";

    [Fact]
    public void A_trigger_activated_by_dpkg_trigger_runs_the_interested_packages_postinst_triggered_once()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = DebianScriptRunnerTests.Guest(host, "dtrig");
        // A trigger only one of the guest's own dpkg packages is interested in (as triggers/ldconfig names libc-bin).
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/triggers/stork-dtrig-guest"), "base-files\n");
        const string logger = """
            #!/bin/sh
            echo "$DPKG_MAINTSCRIPT_PACKAGE $DPKG_MAINTSCRIPT_NAME $*" >> /var/log/stork-dtrig.log
            """;
        var activator = logger + """

            if [ "$1" = configure ]; then
                dpkg-trigger stork-dtrig-x
                dpkg-trigger --no-await stork-dtrig-nobody
                dpkg-trigger stork-dtrig-guest
            fi
            """;
        var interested = TestDebs.Publish(repo, host, "stork-dtrig-interest", "1.0-1", new() { ["usr/share/stork-dtrig-interest/README"] = "i\n" }, logger,
            scripts: new() { ["triggers"] = "interest stork-dtrig-x" });
        var activates = TestDebs.Publish(repo, host, "stork-dtrig-activates", "1.0-1", new() { ["usr/share/stork-dtrig-activates/README"] = "a\n" }, activator);
        try
        {
            var install = host.Get("install", "--guest", "dtrig", "stork-dtrig-interest", "stork-dtrig-activates");
            Assert.True(install.ExitCode == 0, install.ToString());
            Assert.Equal([
                "stork-dtrig-activates postinst configure ",
                "stork-dtrig-interest postinst configure ",
                "stork-dtrig-interest postinst triggered stork-dtrig-x",
            ], File.ReadAllLines(Path.Combine(root, "var/log/stork-dtrig.log")));
            // Incorporated as dpkg incorporates Unincorp: ours run, nobody's dropped, the guest package's one recorded in
            // the guest's status for its dpkg (base-files pending, the activating package awaiting it); nothing is left.
            Assert.Equal("", File.ReadAllText(Path.Combine(root, Unincorp)));
            Assert.Equal("install ok triggers-pending|stork-dtrig-guest|", Query(root, "base-files"));
            Assert.Equal("install ok triggers-awaited||base-files", Query(root, "stork-dtrig-activates"));
            Assert.Equal("install ok installed||", Query(root, "stork-dtrig-interest"));
        }
        finally
        {
            TestDebs.Withdraw(repo, interested);
            TestDebs.Withdraw(repo, activates);
        }
    }

    [Fact]
    public void A_trigger_a_Stork_package_and_an_image_package_both_want_runs_once_each_and_leaves_the_guests_dpkg_clean()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = DebianScriptRunnerTests.Guest(host, "shtrig");
        var log = Path.Combine(root, "var/log/stork-shtrig.log");
        const string logger = """
            #!/bin/sh
            echo "$DPKG_MAINTSCRIPT_PACKAGE $DPKG_MAINTSCRIPT_NAME $*" >> /var/log/stork-shtrig.log
            """;
        // The image package: installed by the guest's own dpkg, which records its interest in triggers/stork-shtrig-x.
        var imageDeb = TestDebs.Build(host, "stork-shtrig-image", "1.0-1", new() { ["usr/share/stork-shtrig-image/README"] = "m\n" }, logger,
            scripts: new() { ["triggers"] = "interest stork-shtrig-x" });
        File.Copy(imageDeb, Path.Combine(root, "tmp/stork-shtrig-image.deb"));
        PublishedRepository.Expect(ProcessRunner.Run("chroot", [root, "dpkg", "-i", "/tmp/stork-shtrig-image.deb"]), "dpkg -i in the guest");
        File.Delete(log); // its postinst configure, run by dpkg -i
        var interested = TestDebs.Publish(repo, host, "stork-shtrig-interest", "1.0-1", new() { ["usr/share/stork-shtrig-interest/README"] = "i\n" }, logger,
            scripts: new() { ["triggers"] = "interest stork-shtrig-x" });
        var activates = TestDebs.Publish(repo, host, "stork-shtrig-activates", "1.0-1", new() { ["usr/share/stork-shtrig-activates/README"] = "a\n" },
            logger + "\nif [ \"$1\" = configure ]; then dpkg-trigger stork-shtrig-x; fi");
        var other = TestDebs.Publish(repo, host, "stork-shtrig-other", "1.0-1", new() { ["usr/share/stork-shtrig-other/README"] = "o\n" }, logger);
        try
        {
            var install = host.Get("install", "--guest", "shtrig", "stork-shtrig-interest", "stork-shtrig-activates");
            Assert.True(install.ExitCode == 0, install.ToString());
            string[] storkRuns = [
                "stork-shtrig-activates postinst configure ",
                "stork-shtrig-interest postinst configure ",
                "stork-shtrig-interest postinst triggered stork-shtrig-x",
            ];
            Assert.Equal(storkRuns, File.ReadAllLines(log)); // Stork's package once; the image's is left to the guest's dpkg
            Assert.Equal("", File.ReadAllText(Path.Combine(root, Unincorp)));
            // As dpkg records an incorporated activation (read back by the guest's own dpkg-query).
            Assert.Equal("install ok triggers-pending|stork-shtrig-x|", Query(root, "stork-shtrig-image"));
            Assert.Equal("install ok triggers-awaited||stork-shtrig-image", Query(root, "stork-shtrig-activates"));

            // A later, unrelated change runs its own script only, and keeps what the activating package awaits.
            var second = host.Get("install", "--guest", "shtrig", "stork-shtrig-other");
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal([.. storkRuns, "stork-shtrig-other postinst configure "], File.ReadAllLines(log));
            Assert.Equal("install ok triggers-pending|stork-shtrig-x|", Query(root, "stork-shtrig-image"));
            Assert.Equal("install ok triggers-awaited||stork-shtrig-image", Query(root, "stork-shtrig-activates"));

            // The guest's own dpkg runs the image package's trigger and clears the awaiter: nothing left to audit.
            PublishedRepository.Expect(ProcessRunner.Run("chroot", [root, "dpkg", "--triggers-only", "-a"]), "dpkg --triggers-only -a in the guest");
            Assert.Equal([.. storkRuns, "stork-shtrig-other postinst configure ", "stork-shtrig-image postinst triggered stork-shtrig-x"], File.ReadAllLines(log));
            Assert.Equal("install ok installed||", Query(root, "stork-shtrig-image"));
            Assert.Equal("install ok installed||", Query(root, "stork-shtrig-activates"));
            var audit = ProcessRunner.Run("chroot", [root, "dpkg", "--audit"]);
            Assert.True(audit.ExitCode == 0 && audit.Stdout.Trim().Length == 0, audit.ToString());
        }
        finally
        {
            TestDebs.Withdraw(repo, interested);
            TestDebs.Withdraw(repo, activates);
            TestDebs.Withdraw(repo, other);
        }
    }

    // Status, Triggers-Pending and Triggers-Awaited of a package, as the guest's own dpkg reads them.
    static string Query(string root, string package)
    {
        var query = ProcessRunner.Run("chroot", [root, "dpkg-query", "-W", "-f", "${Status}|${Triggers-Pending}|${Triggers-Awaited}", package]);
        Assert.True(query.ExitCode == 0, query.ToString());
        return string.Join('|', query.Stdout.Split('|').Select(f => f.Trim())); // dpkg-query shows each trigger name after a space
    }

    [Fact]
    public void A_trigger_loop_stops_after_eight_rounds_with_one_error_naming_it()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = DebianScriptRunnerTests.Guest(host, "looptrig");
        // Interested in its own trigger, and activates it again every time it is triggered: a loop dpkg would stop too.
        const string looping = """
            #!/bin/sh
            echo "$DPKG_MAINTSCRIPT_NAME $*" >> /var/log/stork-looptrig.log
            dpkg-trigger stork-looptrig-x
            """;
        var published = TestDebs.Publish(repo, host, "stork-looptrig", "1.0-1", new() { ["usr/share/stork-looptrig/README"] = "l\n" }, looping,
            scripts: new() { ["triggers"] = "interest stork-looptrig-x" });
        try
        {
            var install = host.Get("install", "--guest", "looptrig", "stork-looptrig");
            Assert.True(install.ExitCode == 6, install.ToString());
            var error = Assert.Single(DebianScriptRunnerTests.ErrorLines(install));
            Assert.Contains("triggers still activated after 8 rounds of postinst triggered (stork-looptrig-x): a trigger loop", error);
            var log = File.ReadAllLines(Path.Combine(root, "var/log/stork-looptrig.log"));
            Assert.Equal("postinst configure ", log[0]);
            Assert.Equal(Enumerable.Repeat("postinst triggered stork-looptrig-x", 8), log.Skip(1)); // once per round, then stopped
            Assert.True(File.Exists(Path.Combine(root, "usr/share/stork-looptrig/README")), install.ToString()); // the files stay installed
        }
        finally { TestDebs.Withdraw(repo, published); }
    }

    [Fact]
    public void A_huge_a_fifo_or_a_malformed_Unincorp_is_one_guest_error_naming_it()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        DebianMinbaseTests.InitWithScripts(host, repo);
        var root = DebianScriptRunnerTests.Guest(host, "badtrig");
        var unincorp = Path.Combine(root, Unincorp);
        var published = TestDebs.Publish(repo, host, "stork-badtrig", "1.0-1", new() { ["usr/share/stork-badtrig/README"] = "b\n" },
            "#!/bin/sh\necho ran >> /var/log/stork-badtrig.log");
        try
        {
            void Expect(Action plant, string expected)
            {
                File.Delete(unincorp);
                plant();
                var before = new FileInfo(unincorp).Length;
                var install = host.Get("install", "--guest", "badtrig", "stork-badtrig");
                Assert.True(install.ExitCode == 6, install.ToString());
                var error = Assert.Single(DebianScriptRunnerTests.ErrorLines(install));
                Assert.Contains($"'/{Unincorp}' {expected}", error);
                Assert.True(File.Exists(Path.Combine(root, "usr/share/stork-badtrig/README")), install.ToString());
                Assert.Equal(before, new FileInfo(unincorp).Length); // left as it was: it is the guest's
                PublishedRepository.Expect(host.Get("remove", "--guest", "badtrig", "stork-badtrig"), "remove");
            }
            Expect(() => File.WriteAllBytes(unincorp, new byte[2 << 20]), "is larger than 1 MiB");
            Expect(() => PublishedRepository.Expect(ProcessRunner.Run("mkfifo", [unincorp]), "mkfifo"), "is a FIFO where a regular file was expected");
            Expect(() => File.WriteAllText(unincorp, "ldconfig libc-bin\nstork-x Bad_Name\n"), "line 2: 'Bad_Name' is not a package name or '-'");
            Assert.Equal(3, File.ReadAllLines(Path.Combine(root, "var/log/stork-badtrig.log")).Length);
        }
        finally { TestDebs.Withdraw(repo, published); }
    }
}
