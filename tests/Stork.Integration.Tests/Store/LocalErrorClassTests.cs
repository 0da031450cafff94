using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>
/// Issue 13, error classes: every local failure exits 7 (6 for a guest) naming the local path; 3/4 only for bytes
/// from a mirror. Disk-full and read-only filesystems on a small tmpfs holding state, cache and guests.
/// </summary>
public sealed class LocalErrorClassTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private TestHost NewHost(params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var guest in guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }

    private static void AssertLocal(ProcessResult run, int code, params string[] mentions)
    {
        Assert.True(run.ExitCode == code, $"expected exit {code}: {run}");
        var errors = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        foreach (var m in mentions) Assert.True(errors[0].Contains(m, StringComparison.Ordinal), $"'{m}' is not in: {errors[0]}");
    }

    [Fact]
    public void Guest_add_with_a_file_as_root_is_a_guest_error_naming_it()
    {
        using var host = NewHost();
        var file = Path.Combine(host.Directory, "not-a-dir");
        File.WriteAllText(file, "x");
        AssertLocal(host.Get("guest", "add", "f", "--root", file), 6, file);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_damaged_local_root_is_a_local_error_for_refresh_and_search()
    {
        using var host = NewHost();
        PublishedRepository.Expect(host.Get("refresh"), "refresh");
        var root = Path.Combine(host.Home, "state", "metadata", "root.json");
        var bytes = File.ReadAllBytes(root);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(root, bytes);
        AssertLocal(host.Get("refresh"), 7, root);
        AssertLocal(host.Get("search", "hello"), 7, root);
        Assert.Equal(bytes, File.ReadAllBytes(root));
    }

    [Fact]
    public void Strict_config_files_name_the_unknown_or_duplicate_key_and_the_file()
    {
        using var host = NewHost();
        var config = Path.Combine(host.Home, "config", "stork.json");
        var good = File.ReadAllText(config);
        var url = (string)JsonNode.Parse(good)!["repository"]!;
        File.WriteAllText(config, $"{{\"repository\": \"{url}\", \"repository\": \"{url}\"}}");
        AssertLocal(host.Get("search", "hello"), 7, config, "duplicate key 'repository'");
        File.WriteAllText(config, $"{{\"repository\": \"{url}\", \"parallel_donwloads\": 4}}");
        AssertLocal(host.Get("search", "hello"), 7, config, "unknown key 'parallel_donwloads'");
        File.WriteAllText(config, $"{{\"repository\": \"{url}\", \"fetch\": {{\"stall_timeout\": 5}}}}");
        AssertLocal(host.Get("refresh"), 7, config, "fetch.stall_timeout");

        // stork-repo.json: a bad value and an unknown key are local errors of the publisher (exit 7), naming the file.
        var work = Directory.CreateTempSubdirectory("stork-repo-config-").FullName;
        try
        {
            var repoDir = Path.Combine(work, "repo");
            PublishedRepository.Expect(ProcessRunner.StorkPublish("init", repoDir), "init");
            var settings = Path.Combine(repoDir, "stork-repo.json");
            var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
            json["timestamp_expiry_days"] = 0;
            File.WriteAllText(settings, json.ToJsonString());
            AssertLocal(ProcessRunner.StorkPublish("publish", repoDir), 7, settings, "timestamp_expiry_days");
            json["timestamp_expiry_days"] = 1;
            json["timestamp_expiry"] = 1;
            File.WriteAllText(settings, json.ToJsonString());
            AssertLocal(ProcessRunner.StorkPublish("publish", repoDir), 7, settings, "unknown key 'timestamp_expiry'");
            File.WriteAllText(settings, "{\"root_expiry_days\": 365, \"root_expiry_days\": 10}");
            AssertLocal(ProcessRunner.StorkPublish("publish", repoDir), 7, settings, "duplicate key 'root_expiry_days'");

            // stork-build.json: an unknown key.
            var source = Path.Combine(work, "src");
            Directory.CreateDirectory(source);
            File.WriteAllText(Path.Combine(source, "stork-build.json"), "{\"name\": \"x\", \"version\": \"1.0.0\", \"summry\": \"typo\"}");
            AssertLocal(ProcessRunner.StorkPublish("build", source, "--output", Path.Combine(work, "out")), 7, "stork-build.json", "summry");
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public void Metadata_that_expired_since_the_last_refresh_still_serves_search_and_show_with_one_warning()
    {
        // A repository whose timestamp lives two seconds, so "a day later" comes quickly.
        var work = Directory.CreateTempSubdirectory("stork-stale-").FullName;
        try
        {
            var repoDir = Path.Combine(work, "repo");
            PublishedRepository.Expect(ProcessRunner.StorkPublish("init", repoDir), "init");
            var settings = Path.Combine(repoDir, "stork-repo.json");
            var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
            json["timestamp_expiry_days"] = 20.0 / 86400;
            File.WriteAllText(settings, json.ToJsonString());
            var package = Directory.GetFiles(repo.BuildDir, "greet-data_*.stork").First();
            PublishedRepository.Expect(ProcessRunner.StorkPublish("add", repoDir, package, "--publish"), "add");
            using var nginx = new NginxServer(Path.Combine(repoDir, "public"));
            using var host = new TestHost();
            PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(repoDir, "public", "metadata", "1.root.json")), "init");
            PublishedRepository.Expect(host.Get("refresh"), "refresh");
            var expires = DateTimeOffset.Parse((string)JsonNode.Parse(File.ReadAllText(Path.Combine(host.Home, "state", "metadata", "timestamp.json")))!["signed"]!["expires"]!,
                System.Globalization.CultureInfo.InvariantCulture);
            var wait = expires - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            if (wait > TimeSpan.Zero) Thread.Sleep(wait);
            // Issue 14: a dead publisher cron must not stop local work. Reading what the host already verified is
            // local work: it succeeds, says once that the metadata expired, and is never an error of any class.
            foreach (var args in new[] { new[] { "search", "greet" }, ["show", "greet-data"] })
            {
                var run = host.Get(args);
                Assert.True(run.ExitCode == 0, $"expected exit 0: {run}");
                Assert.Contains("greet-data", run.Stdout);
                Assert.DoesNotContain("error:", run.Stderr);
                var warnings = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
                var warning = Assert.Single(warnings);
                Assert.Contains("expired", warning);
                Assert.Contains("stork-get refresh", warning);
            }
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> over the host's folder (state, cache, config and guests all live there).</summary>
    private static void MountTmpfs(TestHost host, int megabytes)
    {
        if (Environment.UserName != "root") Assert.Fail("mounting a tmpfs needs root; the suite runs as root");
        var mount = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", host.Directory]);
        Assert.True(mount.ExitCode == 0, mount.ToString());
    }

    private static void Unmount(TestHost host)
    {
        ProcessRunner.Run("chattr", ["-R", "-f", "-i", host.Directory]);
        ProcessRunner.Run("umount", ["-l", host.Directory]);
    }

    [Fact]
    public void A_full_disk_is_a_local_error_leaves_guest_and_store_consistent_and_a_retry_after_freeing_space_succeeds()
    {
        using var host = new TestHost();
        MountTmpfs(host, 24);
        try
        {
            PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
            PublishedRepository.Expect(host.Get("guest", "add", "a", "--root", host.GuestRoot("a")), "guest add");
            PublishedRepository.Expect(host.Get("install", "--guest", "a", "greet-data"), "install greet-data");
            PublishedRepository.Expect(host.Get("refresh"), "refresh");
            var guestBefore = Directory.EnumerateFileSystemEntries(host.GuestRoot("a"), "*", SearchOption.AllDirectories).Order().ToList();

            // Fill the filesystem up to a few KB: the next install (busybox is megabytes) cannot fit anywhere.
            var filler = Path.Combine(host.Directory, "filler");
            using (var f = new FileStream(filler, FileMode.CreateNew))
            {
                var block = new byte[64 * 1024];
                try { while (true) { f.Write(block); f.Flush(); } }
                catch (IOException) { }
            }
            var full = host.Get("install", "--guest", "a", "hello");
            AssertLocal(full, 7, "disk is full", host.Directory);

            // With a little room the database opens, and the download or the extraction runs out of space instead.
            using (var f = new FileStream(filler, FileMode.Open)) f.SetLength(f.Length - 512 * 1024);
            full = host.Get("install", "--guest", "a", "hello");
            AssertLocal(full, 7, "disk is full", host.Directory);
            Assert.DoesNotContain("untrusted", full.Stderr);

            // SQLite on a full disk: a local error with its meaning, not an internal error.
            var add = host.Get("guest", "add", "b", "--root", host.GuestRoot("b"));
            Assert.True(add.ExitCode is 6 or 7, add.ToString());
            Assert.DoesNotContain("internal error", add.Stderr);

            File.Delete(filler);
            Assert.Equal(guestBefore, Directory.EnumerateFileSystemEntries(host.GuestRoot("a"), "*", SearchOption.AllDirectories).Order().ToList());
            var verify = host.Get("verify");
            Assert.True(verify.ExitCode == 0, verify.ToString());
            PublishedRepository.Expect(host.Get("install", "--guest", "a", "hello"), "install after freeing space");
            verify = host.Get("verify");
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.Home, "state", "store", "files", "tmp")));
        }
        finally { Unmount(host); }
    }

    [Fact]
    public void A_read_only_filesystem_is_a_local_error_with_its_meaning_and_a_retry_after_remounting_succeeds()
    {
        using var host = new TestHost();
        MountTmpfs(host, 64);
        try
        {
            PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
            PublishedRepository.Expect(host.Get("guest", "add", "a", "--root", host.GuestRoot("a")), "guest add");
            PublishedRepository.Expect(host.Get("install", "--guest", "a", "greet-data"), "install greet-data");
            var remount = ProcessRunner.Run("mount", ["-o", "remount,ro", host.Directory]);
            Assert.True(remount.ExitCode == 0, remount.ToString());

            AssertLocal(host.Get("install", "--guest", "a", "hello"), 7, "read-only");
            AssertLocal(host.Get("guest", "add", "b", "--root", host.GuestRoot("b")), 7, "read-only");
            AssertLocal(host.Get("refresh"), 7, "read-only");

            remount = ProcessRunner.Run("mount", ["-o", "remount,rw", host.Directory]);
            Assert.True(remount.ExitCode == 0, remount.ToString());
            PublishedRepository.Expect(host.Get("install", "--guest", "a", "hello"), "install after remounting");
            var verify = host.Get("verify");
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
        finally { Unmount(host); }
    }
}
