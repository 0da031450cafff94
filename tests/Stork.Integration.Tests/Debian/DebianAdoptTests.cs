using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// <c>stork-get adopt</c>: two Debian 12 minbase guests make their image's libraries Stork's, so both guests' files are
/// one store inode; the guests still run, their dpkg says the packages are installed and intact; an edited file keeps
/// its package the image's; and nothing undoes an adoption by deleting the image's files.
/// </summary>
public sealed class DebianAdoptTests(AdoptionRepository repo) : IClassFixture<AdoptionRepository>
{
    const string LibC = "usr/lib/x86_64-linux-gnu/libc.so.6";
    const string LibZ = "usr/lib/x86_64-linux-gnu/libz.so.1.2.13";
    const string ZlibCopyright = "usr/share/doc/zlib1g/copyright";
    const string Chage = "usr/bin/chage";

    [Fact]
    public void Two_minbase_guests_adopt_their_image_libraries_which_become_one_store_inode_and_still_run()
    {
        Assert.True(Environment.UserName == "root", "chroot and dpkg in the guests need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        var (a, b) = TwoGuests(host);
        // One guest's zlib1g was changed after the image was made: that package stays the image's there.
        File.AppendAllText(Path.Combine(b, ZlibCopyright), "edited\n");

        var adopt = host.Get("adopt", "-g", "ad-a", "-g", "ad-b");
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains($"ad-a: {AdoptionRepository.Libraries.Length} adopted, 0 not adopted", adopt.Stdout);
        Assert.Contains($"ad-b: {AdoptionRepository.Libraries.Length - 1} adopted, 1 not adopted", adopt.Stdout);
        Assert.Contains($"not adopted: ad-b: zlib1g: /{ZlibCopyright} differs from the published package", adopt.Stderr);

        // Shared: the same path in both guests is one inode, the store's own file.
        var store = StoreInodes(host);
        Assert.Equal(Inode(Path.Combine(a, LibC)), Inode(Path.Combine(b, LibC)));
        Assert.Contains(Inode(Path.Combine(a, LibC)), store);
        Assert.Contains(Inode(Path.Combine(a, LibZ)), store);
        Assert.DoesNotContain(Inode(Path.Combine(b, LibZ)), store); // not adopted there: the guest's own copy
        // A set-id file with a group other than root is shared as the store variant of its exact mode and ids.
        Assert.Equal(Inode(Path.Combine(a, Chage)), Inode(Path.Combine(b, Chage)));
        Assert.Contains(Inode(Path.Combine(a, Chage)), store);
        var chage = ProcessRunner.Run("stat", ["-c", "%a %u %g", Path.Combine(a, Chage)]);
        Assert.Equal("2755 0 42", chage.Stdout.Trim()); // shadow is gid 42 in Debian's base-passwd

        foreach (var root in new[] { a, b })
        {
            var ls = ProcessRunner.Run("chroot", [root, "/bin/ls", "/usr"]);
            Assert.True(ls.ExitCode == 0 && ls.Stdout.Contains("lib"), ls.ToString());
            var list = ProcessRunner.Run("chroot", [root, "dpkg", "-l", "libc6"]);
            Assert.True(list.ExitCode == 0 && list.Stdout.Split('\n').Any(l => l.StartsWith("ii  libc6 ", StringComparison.Ordinal)), list.ToString());
            var verify = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "libc6", "libpcre2-8-0"]);
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim() == "", verify.ToString());
            var audit = ProcessRunner.Run("chroot", [root, "dpkg", "--audit"]);
            Assert.True(audit.ExitCode == 0 && audit.Stdout.Trim() == "", audit.ToString());
            // dpkg reads Stork's shared registration files (info/libc6.list, .md5sums) as its own.
            var files = ProcessRunner.Run("chroot", [root, "dpkg", "-L", "libc6"]);
            Assert.True(files.ExitCode == 0 && files.Stdout.Split('\n').Contains("/" + LibC), files.ToString());
            var owner = ProcessRunner.Run("chroot", [root, "dpkg", "-S", "/" + LibC]);
            Assert.True(owner.ExitCode == 0 && owner.Stdout.StartsWith("libc6", StringComparison.Ordinal), owner.ToString());
            // One paragraph for libc6 in the guest's dpkg status, Stork's.
            var paragraphs = File.ReadAllText(Path.Combine(root, "var/lib/dpkg/status")).Split("\n\n").Where(p => p.StartsWith("Package: libc6\n", StringComparison.Ordinal)).ToList();
            Assert.Single(paragraphs);
            Assert.Contains("Stork-Managed: yes", paragraphs[0]);
            Assert.Contains($"Version: {repo.ImageVersions["libc6"]}", paragraphs[0]);
        }
        // The registration files are one immutable store inode in both guests, which the guest cannot change for the other.
        foreach (var kind in new[] { "list", "md5sums" })
        {
            var info = $"var/lib/dpkg/info/libc6.{kind}";
            Assert.Equal(Inode(Path.Combine(a, info)), Inode(Path.Combine(b, info)));
            Assert.Contains(Inode(Path.Combine(a, info)), store);
            var before = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(b, info))));
            foreach (var change in new[] { new[] { "/bin/chmod", "0666", "/" + info }, ["/bin/rm", "-f", "/" + info], ["/bin/sh", "-c", $"echo x >> /{info}"] })
            {
                var refused = ProcessRunner.Run("chroot", [a, .. change]);
                Assert.True(refused.ExitCode != 0 && refused.Stderr.Contains("Operation not permitted"), refused.ToString());
            }
            Assert.Equal(before, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(b, info)))));
        }
        var listed = host.Get("list", "-g", "ad-a");
        Assert.True(listed.ExitCode == 0 && listed.Stdout.Contains("libc6") && listed.Stdout.Contains(repo.ImageVersions["libc6"]), listed.ToString());
        var storkVerify = host.Get("verify");
        Assert.True(storkVerify.ExitCode == 0, storkVerify.ToString());

        // Asking again for a package that stays the image's reports it again; a name the image lacks is a request error.
        var again = host.Get("adopt", "-g", "ad-b", "zlib1g");
        Assert.True(again.ExitCode == 0 && again.Stderr.Contains($"/{ZlibCopyright} differs"), again.ToString());
        var unknown = host.Get("adopt", "-g", "ad-b", "nginx-light");
        Assert.Equal(5, unknown.ExitCode);
        Assert.Equal("error: nginx-light is not a package of guest ad-b's dpkg image", unknown.Stderr.Trim());
        var already = host.Get("adopt", "-g", "ad-a", "libc6");
        Assert.Equal(5, already.ExitCode);
    }

    [Fact]
    public void Removing_or_rolling_back_an_adopted_package_is_refused_and_guest_remove_leaves_plain_copies()
    {
        Assert.True(Environment.UserName == "root", "chroot and dpkg in the guests need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        var (a, _) = TwoGuests(host);
        var adopt = host.Get("adopt", "-g", "ad-a", "libc6", "zlib1g");
        Assert.True(adopt.ExitCode == 0 && adopt.Stdout.Contains("ad-a: 2 adopted, 0 not adopted"), adopt.ToString());
        var generation = GenerationOf(adopt.Stdout);
        var libc = Inode(Path.Combine(a, LibC));
        Assert.Contains(libc, StoreInodes(host));

        var remove = host.Get("remove", "-g", "ad-a", "zlib1g");
        Assert.Equal(6, remove.ExitCode);
        Assert.Contains($"error: guest 'ad-a': zlib1g was adopted from the guest's dpkg image in generation {generation}", remove.Stderr);
        var rollback = host.Get("rollback", "--guest", "ad-a");
        Assert.Equal(6, rollback.ExitCode);
        Assert.Contains($"in generation {generation}", rollback.Stderr);
        var deleteFiles = host.Get("guest", "remove", "ad-a", "--delete-files");
        Assert.Equal(6, deleteFiles.ExitCode);
        // Nothing changed: the adopted files are still the store's, and the guest runs.
        Assert.Equal(libc, Inode(Path.Combine(a, LibC)));
        Assert.True(File.Exists(Path.Combine(a, LibZ)));
        Assert.Equal(0, ProcessRunner.Run("chroot", [a, "/bin/true"]).ExitCode);

        // guest remove (no flag) gives the files back as the guest's own copies: the container keeps working.
        var unregister = host.Get("guest", "remove", "ad-a");
        Assert.True(unregister.ExitCode == 0, unregister.ToString());
        Assert.NotEqual(libc, Inode(Path.Combine(a, LibC)));
        Assert.Equal(0, ProcessRunner.Run("chroot", [a, "/bin/true"]).ExitCode);
        var dpkg = ProcessRunner.Run("chroot", [a, "dpkg", "-V", "libc6", "zlib1g"]);
        Assert.True(dpkg.ExitCode == 0 && dpkg.Stdout.Trim() == "", dpkg.ToString());
    }

    (string A, string B) TwoGuests(TestHost host)
    {
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var g in new[] { "ad-a", "ad-b" })
        {
            MinbaseImage.ExtractTo(host.GuestRoot(g));
            PublishedRepository.Expect(host.Get("guest", "add", g, "--root", host.GuestRoot(g), "--base", "dpkg"), $"guest add {g}");
        }
        return (host.GuestRoot("ad-a"), host.GuestRoot("ad-b"));
    }

    static string Inode(string path)
    {
        var stat = ProcessRunner.Run("stat", ["-c", "%d:%i", path]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    // device:inode of every file in the host's content store.
    static HashSet<string> StoreInodes(TestHost host)
    {
        var find = ProcessRunner.Run("find", [Path.Combine(host.Home, "state", "store", "files"), "-type", "f", "-printf", "%D:%i\n"]);
        Assert.True(find.ExitCode == 0, find.ToString());
        return Lines(find.Stdout).ToHashSet(StringComparer.Ordinal);
    }

    static int GenerationOf(string stdout)
    {
        var marker = ", generation ";
        var at = stdout.LastIndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, stdout);
        return int.Parse(stdout[(at + marker.Length)..].Trim().Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
