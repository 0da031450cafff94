using Stork.Client.Guests;
using Stork.Client.Model;
using Stork.Client.Store;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests;

public class GuestInstallerTests
{
    private const string Script = "#!/bin/sh\necho hello\n";

    private static (DesiredPackage Data, DesiredPackage Hello) TwoPackages(HostFixture host)
    {
        var data = host.Build("greet-data", "1.0.0", new Dictionary<string, string>
        {
            ["etc/greet.conf"] = "greeting=Hello\n",
            ["usr/share/greet/messages.txt"] = "Hello from Stork!\n",
            ["usr/share/greet/empty"] = "",
        }, config: ["etc/greet.conf"], manual: false);
        var hello = host.Build("hello", "1.0.0", new Dictionary<string, string>
        {
            ["usr/bin/hello"] = Script,
            ["usr/bin/hi@"] = "hello",
        }, executables: ["usr/bin/hello"]);
        return (data, hello);
    }

    [Fact]
    public async Task TwoPackagesInThreeGuestsShareStoreInodes()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        var guests = new[] { "g1", "g2", "g3" };
        foreach (var guest in guests)
        {
            host.AddGuest(guest);
            var report = await host.ApplyAsync(guest, data, hello);
            Assert.Equal(["greet-data 1.0.0", "hello 1.0.0"], report.Added);
            Assert.Equal(2, report.FilesLinked); // messages.txt, hello
            Assert.Equal(2, report.FilesCopied); // greet.conf (config), empty
            Assert.Equal(Script.Length + "Hello from Stork!\n".Length, report.BytesLinked);
            Assert.Empty(report.CrossDeviceCopies);
        }

        var store = new ContentStore(host.Paths);
        var storeHello = store.PathFor(Sha256(Script), "0755");
        var storeStatus = Native.LStat(storeHello)!.Value;
        Assert.Equal(1u + 3u, storeStatus.LinkCount);
        Assert.Equal(0x16D, storeStatus.Permissions); // 0555: write bits cleared
        Assert.Equal(0x124, Native.LStat(store.PathFor(Sha256("Hello from Stork!\n"), "0644"))!.Value.Permissions); // 0444

        foreach (var guest in guests)
        {
            var root = host.GuestRoot(guest);
            Assert.True(Native.LStat(Path.Combine(root, "usr/bin/hello"))!.Value.IsSameFileAs(storeStatus));
            var conf = Native.LStat(Path.Combine(root, "etc/greet.conf"))!.Value;
            Assert.Equal(1u, conf.LinkCount); // a copy, never a link
            Assert.Equal(0x1A4, conf.Permissions); // writable 0644
            Assert.Equal(1u, Native.LStat(Path.Combine(root, "usr/share/greet/empty"))!.Value.LinkCount);
            Assert.Equal("hello", new FileInfo(Path.Combine(root, "usr/bin/hi")).LinkTarget);
            Assert.Equal(["greet-data", "hello"], host.Installer.ListInstalled(guest).Select(p => p.Name));
        }
        // Each blob was fetched once per guest; file content entered the store once.
        Assert.Single(Directory.EnumerateFiles(Path.GetDirectoryName(storeHello)!, Sha256(Script) + "*"));
    }

    [Fact]
    public async Task ReapplyingTheSameSetChangesNothing()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g");
        await host.ApplyAsync("g", data, hello);
        var before = TreeSnapshot.Take(host.GuestRoot("g"));
        host.Blobs.Requested.Clear();
        var report = await host.ApplyAsync("g", data, hello);
        Assert.False(report.Changed);
        Assert.Equal(0, report.FilesLinked + report.FilesCopied);
        Assert.Empty(host.Blobs.Requested);
        Assert.Equal(before, TreeSnapshot.Take(host.GuestRoot("g")));
    }

    [Fact]
    public async Task RemovingAPackageRemovesItsFilesButKeepsEditedConfig()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        await host.ApplyAsync("g", data, hello);

        var report = await host.ApplyAsync("g", data);
        Assert.Equal(["hello 1.0.0"], report.Removed);
        Assert.False(File.Exists(Path.Combine(root, "usr/bin/hello")));
        Assert.Null(Native.LStat(Path.Combine(root, "usr/bin/hi")));
        Assert.False(Directory.Exists(Path.Combine(root, "usr/bin")));
        Assert.True(Directory.Exists(Path.Combine(root, "usr/share/greet")));

        File.WriteAllText(Path.Combine(root, "etc/greet.conf"), "greeting=Howdy\n");
        report = await host.ApplyAsync("g");
        Assert.Equal(["greet-data 1.0.0"], report.Removed);
        Assert.Equal(["/etc/greet.conf"], report.KeptConfigs);
        Assert.Equal("greeting=Howdy\n", File.ReadAllText(Path.Combine(root, "etc/greet.conf")));
        Assert.False(Directory.Exists(Path.Combine(root, "usr")));
        Assert.Empty(host.Installer.ListInstalled("g"));

        // Reinstalling keeps the admin's file instead of failing on it.
        report = await host.ApplyAsync("g", data);
        Assert.Equal(["/etc/greet.conf"], report.KeptConfigs);
        Assert.Equal("greeting=Howdy\n", File.ReadAllText(Path.Combine(root, "etc/greet.conf")));
    }

    [Fact]
    public async Task UnchangedConfigIsRemovedWithItsPackage()
    {
        using var host = new HostFixture();
        var (data, _) = TwoPackages(host);
        host.AddGuest("g");
        await host.ApplyAsync("g", data);
        var report = await host.ApplyAsync("g");
        Assert.Empty(report.KeptConfigs);
        Assert.Empty(TreeSnapshot.Take(host.GuestRoot("g")));
    }

    [Fact]
    public async Task UpgradeReplacesChangedFilesAndDropsOldOnes()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        var hello2 = host.Build("hello", "2.0.0-beta.1", new Dictionary<string, string>
        {
            ["usr/bin/hello"] = "#!/bin/sh\necho hello 2\n",
            ["usr/share/doc/hello/NEWS"] = "2.0\n",
        }, executables: ["usr/bin/hello"]);
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        await host.ApplyAsync("g", data, hello);
        File.WriteAllText(Path.Combine(root, "etc/greet.conf"), "edited\n");

        var report = await host.ApplyAsync("g", data, hello2);
        Assert.Equal(["hello 1.0.0 -> 2.0.0-beta.1"], report.Upgraded);
        Assert.Empty(report.Added);
        Assert.Equal("#!/bin/sh\necho hello 2\n", File.ReadAllText(Path.Combine(root, "usr/bin/hello")));
        Assert.Null(Native.LStat(Path.Combine(root, "usr/bin/hi")));
        Assert.True(File.Exists(Path.Combine(root, "usr/share/doc/hello/NEWS")));
        Assert.Equal("edited\n", File.ReadAllText(Path.Combine(root, "etc/greet.conf")));
        Assert.Equal("2.0.0-beta.1", host.Installer.ListInstalled("g").Single(p => p.Name == "hello").Version);
    }

    [Fact]
    public async Task ManualFlagChangeIsRecordedWithoutReinstalling()
    {
        using var host = new HostFixture();
        var (data, _) = TwoPackages(host);
        host.AddGuest("g");
        await host.ApplyAsync("g", data);
        Assert.False(host.Installer.ListInstalled("g").Single().Manual);
        var report = await host.ApplyAsync("g", data with { Manual = true });
        Assert.False(report.Changed);
        Assert.True(host.Installer.ListInstalled("g").Single().Manual);
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("g"), "etc/greet.conf")));
    }

    [Fact]
    public async Task UnownedFileBlocksInstallAndLeavesGuestUnchanged()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        File.WriteAllText(Path.Combine(root, "usr/bin/hello"), "mine\n");
        var before = TreeSnapshot.Take(root);

        var error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", data, hello));
        Assert.Equal("usr/bin/hello", error.Path);
        Assert.Contains("/usr/bin/hello", error.Message);
        Assert.Equal(before, TreeSnapshot.Take(root));
        Assert.Empty(host.Installer.ListInstalled("g"));
    }

    [Fact]
    public async Task TwoPackagesClaimingOnePathConflict()
    {
        using var host = new HostFixture();
        var (_, hello) = TwoPackages(host);
        var rival = host.Build("rival", "1.0.0", new Dictionary<string, string> { ["usr/bin/hello"] = "rival\n" });
        host.AddGuest("g");
        var error = await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", hello, rival));
        Assert.Contains("hello", error.Message);
        Assert.Contains("rival", error.Message);
        Assert.Empty(TreeSnapshot.Take(host.GuestRoot("g")));
    }

    [Fact]
    public async Task TamperedBlobFailsWithGuestUnchanged()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        await host.ApplyAsync("g", data);
        var before = TreeSnapshot.Take(root);

        var tampered = Tamper(host, hello, "echo hello", "echo pwned");
        var error = await Assert.ThrowsAsync<PackageFormatException>(() => host.ApplyAsync("g", data, tampered));
        Assert.Contains("usr/bin/hello", error.Message);
        Assert.Contains("sha256", error.Message);
        Assert.Equal(before, TreeSnapshot.Take(root));
        Assert.Equal(["greet-data"], host.Installer.ListInstalled("g").Select(p => p.Name));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.Paths.FilesDir, "tmp")));
    }

    [Fact]
    public async Task BlobOfAnotherPackageIsRejected()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g");
        var wrong = host.Blobs.Substitute(hello, Path.Combine(host.Root, "out", "greet-data_1.0.0.stork"));
        var error = await Assert.ThrowsAsync<PackageFormatException>(() => host.ApplyAsync("g", wrong));
        Assert.Contains("expected hello 1.0.0", error.Message);
        Assert.Empty(TreeSnapshot.Take(host.GuestRoot("g")));
    }

    [Fact]
    public async Task CopyModeGuestGetsIndependentFiles()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("g", Stork.Client.Model.LinkMode.Copy);
        var report = await host.ApplyAsync("g", data, hello);
        Assert.Equal(0, report.FilesLinked);
        Assert.Equal(4, report.FilesCopied);
        var status = Native.LStat(Path.Combine(host.GuestRoot("g"), "usr/bin/hello"))!.Value;
        Assert.Equal(1u, status.LinkCount);
        Assert.Equal(0x1ED, status.Permissions);
    }

    [Fact]
    public async Task CrossFilesystemHardlinkGuestIsRefusedBeforeAnyWorkAndAutoFallsBack()
    {
        // /dev/shm is a tmpfs: a different filesystem from the temp dir holding the store.
        if (!Directory.Exists("/dev/shm")) return;
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        var shmRoot = Path.Combine("/dev/shm", $"stork-guest-{Guid.NewGuid():N}");
        var autoRoot = shmRoot + "-auto";
        if (Native.LStat("/dev/shm")!.Value.Device == Native.LStat(host.Root)!.Value.Device) return;
        try
        {
            host.Guests.AddGuest("shm", shmRoot);
            var error = await Assert.ThrowsAsync<GuestException>(() => host.ApplyAsync("shm", data, hello));
            Assert.Contains("EXDEV", error.Message);
            Assert.Contains("set-link-mode shm", error.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(shmRoot));
            Assert.Empty(host.Installer.ListInstalled("shm"));

            host.Guests.AddGuest("auto", autoRoot, Stork.Client.Model.LinkMode.Auto);
            var report = await host.ApplyAsync("auto", data, hello);
            Assert.Equal(0, report.FilesLinked);
            Assert.Equal(LinkMode.Copy, report.LinkMode); // tmpfs has no reflinks either
            Assert.Equal(["/usr/bin/hello", "/usr/share/greet/messages.txt"], report.CrossDeviceCopies.Order());
            Assert.Equal(Script, File.ReadAllText(Path.Combine(autoRoot, "usr/bin/hello")));
            Assert.Equal(LinkMode.Copy, host.Database.Guests.Find("auto")!.LinkModeUsed);
        }
        finally
        {
            if (Directory.Exists(shmRoot)) Directory.Delete(shmRoot, true);
            if (Directory.Exists(autoRoot)) Directory.Delete(autoRoot, true);
        }
    }

    [Fact]
    public async Task CorruptedStoreFileIsNotReusedForNewInstalls()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        host.AddGuest("a");
        host.AddGuest("b");
        await host.ApplyAsync("a", data, hello);

        // Root inside guest a scribbles over its hard-linked (read-only) file, same length.
        var inA = Path.Combine(host.GuestRoot("a"), "usr/bin/hello");
        File.SetUnixFileMode(inA, (UnixFileMode)0x1ED);
        File.WriteAllText(inA, Script.Replace("hello", "pwned"));

        await host.ApplyAsync("b", data, hello);
        Assert.Equal(Script, File.ReadAllText(Path.Combine(host.GuestRoot("b"), "usr/bin/hello")));
        var store = new ContentStore(host.Paths);
        Assert.Equal(Script, File.ReadAllText(store.PathFor(Sha256(Script), "0755")));
    }

    [Fact]
    public async Task SymlinkedDirectoryInGuestCannotRedirectWritesOrDeletes()
    {
        using var host = new HostFixture();
        var (data, hello) = TwoPackages(host);
        var hello2 = host.Build("hello", "2.0.0", new Dictionary<string, string> { ["usr/bin/hello"] = "#!/bin/sh\necho 2\n" });
        host.AddGuest("g");
        var root = host.GuestRoot("g");
        await host.ApplyAsync("g", data, hello);

        // Inside the guest, root swaps usr/bin for a symlink to a host directory.
        var hostDir = Path.Combine(host.Root, "host-dir");
        Directory.CreateDirectory(hostDir);
        File.WriteAllText(Path.Combine(hostDir, "hello"), "host file\n");
        void SwapUsrBinForSymlink()
        {
            Directory.Move(Path.Combine(root, "usr/bin"), Path.Combine(root, $"usr/bin.moved-{Guid.NewGuid():N}"));
            File.CreateSymbolicLink(Path.Combine(root, "usr/bin"), hostDir);
        }
        SwapUsrBinForSymlink();

        // Installing a file below it must not write through the symlink.
        var rival = host.Build("rival", "1.0.0", new Dictionary<string, string> { ["usr/bin/rival"] = "x\n" });
        await Assert.ThrowsAsync<GuestConflictException>(() => host.ApplyAsync("g", data, hello, rival));
        Assert.Equal(["hello"], Directory.EnumerateFiles(hostDir).Select(Path.GetFileName));

        // Upgrading the package that owns usr/bin puts a real directory back in place of the symlink.
        await host.ApplyAsync("g", data, hello2);
        Assert.True(Native.LStat(Path.Combine(root, "usr/bin"))!.Value.IsDirectory);
        Assert.Equal("host file\n", File.ReadAllText(Path.Combine(hostDir, "hello")));

        // Removing it must not delete through a symlink either.
        SwapUsrBinForSymlink();
        await host.ApplyAsync("g", data);
        Assert.Equal("host file\n", File.ReadAllText(Path.Combine(hostDir, "hello")));
    }

    private static DesiredPackage Tamper(HostFixture host, DesiredPackage package, string find, string replace)
    {
        var original = Path.Combine(host.Root, "out", $"{package.Name}_{package.Version}.stork");
        using var decompressor = new ZstdSharp.Decompressor();
        var tar = decompressor.Unwrap(File.ReadAllBytes(original)).ToArray();
        var text = System.Text.Encoding.Latin1.GetString(tar);
        Assert.Equal(find.Length, replace.Length);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at > 0);
        System.Text.Encoding.Latin1.GetBytes(replace).CopyTo(tar, at);
        using var compressor = new ZstdSharp.Compressor(3);
        var path = Path.Combine(host.Root, "tampered.stork");
        File.WriteAllBytes(path, compressor.Wrap(tar).ToArray());
        return host.Blobs.Substitute(package, path);
    }

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
