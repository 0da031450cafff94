using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>Real Debian software through Stork: imported, published, served by nginx, installed into guests, run with chroot.</summary>
[Collection("debian")]
public sealed class DebianSoftwareTests(ImportedDebianRepository repo)
{
    static readonly string[] Guests = ["deb-a", "deb-b", "deb-c"];

    [Fact]
    public void The_import_carried_the_whole_closure_and_reported_what_it_could_not_carry()
    {
        Assert.Contains("imported ", repo.Import.Stderr);
        Assert.DoesNotContain("error:", repo.Import.Stderr);
        // debconf templates of the closure (e.g. ca-certificates) are reported, not dropped silently.
        Assert.Contains("not carried: ca-certificates: templates:", repo.Import.Stderr);
        Assert.True(File.Exists(Path.Combine(repo.ImportDir, "import-report.json")));
        var list = ImportedDebianRepository.Publish(["list", repo.RepoDir]);
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"(?m)^jq \S+ \(Debian 1\.6-", list.Stdout);
        Assert.Matches(@"(?m)^libc6 \S+ \(Debian 2\.36-", list.Stdout);
    }

    [Fact]
    public void Jq_curl_and_python3_run_in_three_empty_roots()
    {
        Assert.True(Environment.UserName == "root", "chroot needs root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        // Scripts allowed: an empty root has no shell, so they are reported as not run, not silently skipped.
        DebianMinbaseTests.InitWithScripts(host, repo);
        foreach (var g in Guests)
        {
            ImportedDebianRepository.MakeEmptyMergedUsrRoot(host.GuestRoot(g));
            PublishedRepository.Expect(host.Get("guest", "add", g, "--root", host.GuestRoot(g)), $"guest add {g}");
        }
        var install = host.Get(["install", .. Guests.SelectMany(g => new[] { "--guest", g }), "jq", "curl", "python3"]);
        Assert.True(install.ExitCode == 0, install.ToString());
        foreach (var g in Guests)
        {
            Assert.Contains($"note: guest {g}: python3 postinst not run: it needs /bin/sh, which the guest does not have", install.Stderr);
            Assert.Contains($"note: guest {g}: ldconfig trigger not run: the guest has no /sbin/ldconfig", install.Stderr);
        }
        foreach (var g in Guests)
        {
            var root = host.GuestRoot(g);
            var jq = ProcessRunner.Run("sh", ["-c", $"echo '{{\"a\":[1,2,3]}}' | chroot '{root}' /usr/bin/jq -c '.a|add'"]);
            Assert.True(jq.ExitCode == 0 && jq.Stdout.Trim() == "6", jq.ToString());
            var py = ProcessRunner.Run("chroot", [root, "/usr/bin/python3", "-c", "import json; print(json.dumps({'ok': True}))"]);
            Assert.True(py.ExitCode == 0 && py.Stdout.Trim() == "{\"ok\": true}", py.ToString());
            // Plain http to the host's nginx (the repository itself).
            var curl = ProcessRunner.Run("chroot", [root, "/usr/bin/curl", "-sf", new Uri(repo.Nginx.BaseUrl, "metadata/timestamp.json").ToString()]);
            Assert.True(curl.ExitCode == 0 && curl.Stdout.Contains("\"signatures\""), curl.ToString());
        }
        // Library files are shared: one inode for libc in all three guests.
        var inodes = Guests.Select(g => Inode(Path.Combine(host.GuestRoot(g), "usr/lib/x86_64-linux-gnu/libc.so.6"))).Distinct().ToList();
        Assert.Single(inodes);
    }

    [Fact]
    public void A_revision_only_update_installs_as_an_upgrade()
    {
        Assert.True(Environment.UserName == "root", "chroot needs root");
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        ImportedDebianRepository.MakeEmptyMergedUsrRoot(host.GuestRoot("up"));
        PublishedRepository.Expect(host.Get("guest", "add", "up", "--root", host.GuestRoot("up")), "guest add");
        PublishedRepository.Expect(host.Get("install", "--guest", "up", "jq"), "install jq");

        // Rebuild jq's .deb with the next +deb12uN revision, import it, publish it into a copy of the repository.
        var jqDeb = Directory.GetFiles(ImportedDebianRepository.DebCache, "jq_*.deb").Single();
        var work = Path.Combine(host.Directory, "jq-next");
        PublishedRepository.Expect(ProcessRunner.Run("dpkg-deb", ["-R", jqDeb, work]), "dpkg-deb -R");
        var control = Path.Combine(work, "DEBIAN", "control");
        var text = File.ReadAllText(control);
        var version = System.Text.RegularExpressions.Regex.Match(text, @"(?m)^Version: (.*\+deb12u)(\d+)$");
        Assert.True(version.Success, "jq's version has no +deb12uN revision: " + text);
        var next = version.Groups[1].Value + (int.Parse(version.Groups[2].Value) + 1);
        File.WriteAllText(control, text.Replace(version.Value, "Version: " + next));
        var nextDeb = Path.Combine(host.Directory, "jq-next.deb");
        PublishedRepository.Expect(ProcessRunner.Run("dpkg-deb", ["-b", work, nextDeb]), "dpkg-deb -b");
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["import-deb", nextDeb, "--output", Path.Combine(host.Directory, "next")]), "import-deb");
        var stork = Directory.GetFiles(Path.Combine(host.Directory, "next"), "jq_*.stork").Single();
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["add", repo.RepoDir, stork, "--publish"]), "add next jq");

        // `install NAME` keeps what is installed; naming the new version asks for the upgrade (stork-get upgrade is issue 14).
        var mapped = Stork.Format.Debian.DebianVersionMapping.ToSemVer(next.Trim());
        var upgrade = host.Get("install", "--guest", "up", $"jq={mapped}");
        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        var list = host.Get("list", "--guest", "up", "--json");
        Assert.Contains(mapped, list.Stdout);
        Assert.Contains("upgrade", upgrade.Stdout + upgrade.Stderr, StringComparison.OrdinalIgnoreCase);
        var jq = ProcessRunner.Run("chroot", [host.GuestRoot("up"), "/usr/bin/jq", "--version"]);
        Assert.True(jq.ExitCode == 0, jq.ToString());
        // Leave the shared repository as it was for the other tests.
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["remove", repo.RepoDir, "jq", next.Trim()]), "remove next jq");
    }

    static long Inode(string path)
    {
        var r = ProcessRunner.Run("stat", ["-L", "-c", "%i", path]);
        return long.Parse(r.Stdout.Trim());
    }
}
