using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>Reflink guests on a loop-mounted xfs (or btrfs) image; skipped, saying why, where the machine has no loop devices or mkfs.</summary>
public sealed class ReflinkTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    [LoopFilesystemFact]
    public void Reflink_guest_on_a_loop_mounted_xfs_or_btrfs_shares_blocks_not_inodes()
    {
        var work = Directory.CreateTempSubdirectory("stork-reflink-").FullName;
        var image = Path.Combine(work, "fs.img");
        var mount = Path.Combine(work, "mnt");
        Directory.CreateDirectory(mount);
        bool mounted = false;
        try
        {
            // The machine was checked by [LoopFilesystemFact]; from here on a failure is a failure.
            File.WriteAllBytes(image, []);
            ProcessRunner.Run("truncate", ["-s", "400M", image]);
            var mkfs = File.Exists("/usr/sbin/mkfs.xfs") || File.Exists("/sbin/mkfs.xfs")
                ? ProcessRunner.Run("mkfs.xfs", ["-q", "-m", "reflink=1", image])
                : ProcessRunner.Run("mkfs.btrfs", ["-q", image]);
            Assert.True(mkfs.ExitCode == 0, $"mkfs failed: {mkfs}");
            var m = ProcessRunner.Run("mount", ["-o", "loop", image, mount]);
            Assert.True(m.ExitCode == 0, $"cannot loop-mount the image: {m}");
            mounted = true;

            var home = Path.Combine(mount, "home");
            ProcessResult Get(params string[] args) => ProcessRunner.StorkGet(["--home", home, .. args]);
            PublishedRepository.Expect(Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
            PublishedRepository.Expect(Get("guest", "add", "r", "--root", Path.Combine(mount, "guests", "r"), "--link-mode", "reflink"), "guest add");
            PublishedRepository.Expect(Get("guest", "add", "h", "--root", Path.Combine(mount, "guests", "h"), "--link-mode", "auto"), "guest add");
            var install = Get("install", "--guest", "r", "--guest", "h", "hello", "--json");
            Assert.True(install.ExitCode == 0, install.ToString());
            var outcomes = JsonNode.Parse(install.Stdout)!.AsArray();
            Assert.Equal("reflink", (string)outcomes[0]!["link_mode"]!);
            Assert.Equal("hardlink", (string)outcomes[1]!["link_mode"]!); // auto: same filesystem, so hard links win

            var inR = Path.Combine(mount, "guests", "r", "bin", "busybox");
            var inH = Path.Combine(mount, "guests", "h", "bin", "busybox");
            Assert.NotEqual(Inode(inR), Inode(inH));
            Assert.Equal(File.ReadAllBytes(inR), File.ReadAllBytes(inH));
            var verify = Get("verify");
            Assert.True(verify.ExitCode == 0, verify.ToString());
            var list = Get("guest", "list", "--json");
            Assert.Contains("\"link_mode_used\":\"reflink\"", list.Stdout);

            // A reflink guest off the store's filesystem is refused before any work, saying how to change it.
            var shm = Path.Combine("/dev/shm", $"stork-reflink-{Guid.NewGuid():N}");
            try
            {
                PublishedRepository.Expect(Get("guest", "add", "t", "--root", shm, "--link-mode", "reflink"), "guest add t");
                var refused = Get("install", "--guest", "t", "hello");
                Assert.Equal(6, refused.ExitCode);
                Assert.Contains("set-link-mode t", refused.Stderr);
                Assert.Empty(Directory.EnumerateFileSystemEntries(shm));
            }
            finally { if (Directory.Exists(shm)) Directory.Delete(shm, true); }
        }
        finally
        {
            if (mounted)
            {
                ProcessRunner.Run("chattr", ["-R", "-f", "-i", mount]);
                ProcessRunner.Run("umount", [mount]);
            }
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    private static ulong Inode(string path) => Stork.Client.Store.Native.LStat(path)!.Value.Inode;
}
