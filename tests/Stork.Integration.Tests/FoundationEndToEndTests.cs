using System.Security.Cryptography;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests;

/// <summary>
/// The foundation path with real parts: stork-publish builds and signs the fixtures, nginx serves them,
/// stork-get installs into three guest roots, sharing files with the store through hard links.
/// </summary>
public sealed class FoundationEndToEndTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private static readonly string[] Guests = ["alpha", "beta", "gamma"];

    private TestHost NewHostWithGuests()
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var guest in Guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }

    private static string[] InstallArgs(params string[] packages)
        => ["install", .. Guests.SelectMany(g => new[] { "--guest", g }), .. packages];

    [Fact]
    public void Installs_into_three_guests_with_one_download_per_blob_and_shared_inodes()
    {
        using var host = NewHostWithGuests();
        var before = repo.Nginx.Requests().Count;

        var install = host.Get(InstallArgs("hello"));
        Assert.True(install.ExitCode == 0, install.ToString());

        // Dependencies came along: hello needs busybox and greet-data.
        var list = host.Get("list", "--guest", "beta", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("\"busybox\"", list.Stdout);
        Assert.Contains("\"greet-data\"", list.Stdout);
        Assert.Contains("\"hello\"", list.Stdout);

        // One GET per blob, whatever the number of guests.
        var blobGets = repo.Nginx.Requests().Skip(before).Where(l => l.StartsWith("GET /targets/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, blobGets.Count);
        Assert.Equal(blobGets.Count, blobGets.Distinct().Count());

        // Every guest's busybox is the store's file: one inode, read-only.
        var inodes = Guests.Select(g => Inode(Path.Combine(host.GuestRoot(g), "bin", "busybox"))).Distinct().ToList();
        Assert.Single(inodes);
        var storeFile = StoreFileFor(host, Path.Combine(host.GuestRoot("alpha"), "bin", "busybox"));
        Assert.Equal(inodes[0], Inode(storeFile));
        Assert.Equal(0, (int)(File.GetUnixFileMode(storeFile) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)));

        // Config files are copies, never links.
        var configs = Guests.Select(g => Inode(Path.Combine(host.GuestRoot(g), "etc", "greet.conf"))).Distinct().ToList();
        Assert.Equal(Guests.Length, configs.Count);
    }

    [Fact]
    public void The_installed_binary_runs_inside_a_guest()
    {
        using var host = NewHostWithGuests();
        PublishedRepository.Expect(host.Get(InstallArgs("hello")), "install");
        if (Environment.UserName != "root")
        {
            Assert.Fail("chroot needs root; run the integration tests as root (CI does)");
        }
        var busybox = ProcessRunner.Run("chroot", [host.GuestRoot("gamma"), "/bin/busybox", "true"]);
        Assert.True(busybox.ExitCode == 0, busybox.ToString());
        var hello = ProcessRunner.Run("chroot", [host.GuestRoot("gamma"), "/usr/bin/hello"]);
        Assert.True(hello.ExitCode == 0, hello.ToString());
        Assert.False(string.IsNullOrWhiteSpace(hello.Stdout));
    }

    [Fact]
    public void A_blob_tampered_on_the_server_fails_cleanly_and_leaves_guests_unchanged()
    {
        using var host = NewHostWithGuests();
        PublishedRepository.Expect(host.Get(InstallArgs("hello")), "install");
        var snapshotBefore = Guests.ToDictionary(g => g, g => TreeOf(host.GuestRoot(g)));

        // Flip bytes inside libdemo's newest blob on the server, keeping its length.
        var blob = Directory.GetFiles(Path.Combine(repo.PublicDir, "targets", "packages", "libdemo"), "*libdemo-1.1.0.stork").Single();
        var original = File.ReadAllBytes(blob);
        try
        {
            var tampered = (byte[])original.Clone();
            for (int i = tampered.Length / 2; i < tampered.Length / 2 + 16; i++) tampered[i] ^= 0xFF;
            File.WriteAllBytes(blob, tampered);

            var install = host.Get(InstallArgs("libdemo"));
            Assert.Equal(3, install.ExitCode);
            Assert.Contains("sha256", install.Stderr);
            Assert.Contains("libdemo", install.Stderr);
        }
        finally
        {
            File.WriteAllBytes(blob, original);
        }
        foreach (var guest in Guests)
            Assert.Equal(snapshotBefore[guest], TreeOf(host.GuestRoot(guest)));
        var list = host.Get("list", "--guest", "alpha", "--json");
        Assert.DoesNotContain("libdemo", list.Stdout);
    }

    [Fact]
    public void Remove_takes_away_dependencies_nothing_needs_any_more()
    {
        using var host = NewHostWithGuests();
        PublishedRepository.Expect(host.Get(InstallArgs("hello")), "install");
        var remove = host.Get("remove", "--guest", "alpha", "hello");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        var list = host.Get("list", "--guest", "alpha", "--json");
        Assert.Equal("[]", list.Stdout.Trim());
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("alpha"), "bin", "busybox")));
        // The other guests keep theirs, still linked to the store.
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("beta"), "bin", "busybox")));
    }

    [Fact]
    public void Unknown_packages_and_guests_get_clear_errors_and_documented_codes()
    {
        using var host = NewHostWithGuests();
        var unknown = host.Get("install", "--guest", "alpha", "no-such-package");
        Assert.Equal(5, unknown.ExitCode);
        Assert.Contains("no-such-package", unknown.Stderr);
        var noGuest = host.Get("install", "--guest", "nobody", "hello");
        Assert.Equal(6, noGuest.ExitCode);
        Assert.Contains("nobody", noGuest.Stderr);
        var usage = host.Get("install", "hello");
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public void Refresh_with_nothing_new_costs_one_small_request()
    {
        using var host = NewHostWithGuests();
        PublishedRepository.Expect(host.Get("refresh"), "first refresh");
        var again = host.Get("refresh", "--json");
        Assert.Equal(0, again.ExitCode);
        // Only timestamp.json: within the root check interval the N+1.root.json probe is skipped (SPEC.md §3.3).
        Assert.Contains("\"requests\":1", again.Stdout);
        Assert.Contains("\"changed\":false", again.Stdout);
    }

    private static string Inode(string path)
    {
        var stat = ProcessRunner.Run("stat", ["-c", "%d:%i", path]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    private static string StoreFileFor(TestHost host, string guestFile)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(guestFile)));
        var storeDir = Path.Combine(host.Home, "state", "store", "files");
        return Directory.EnumerateFiles(storeDir, sha + "*", SearchOption.AllDirectories).Single();
    }

    /// <summary>Every path in a tree with its type, size and content hash: equal trees mean nothing changed.</summary>
    private static IReadOnlyList<string> TreeOf(string root)
    {
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p =>
            {
                var info = new FileInfo(p);
                if (info.LinkTarget is { } target) return $"{p} -> {target}";
                if (Directory.Exists(p)) return $"{p}/";
                return $"{p} {info.Length} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p)))}";
            })
            .ToList();
    }
}
