using System.Text;
using NuGet.Versioning;
using Stork.Client.Guests;
using Stork.Client.Model;
using Stork.Client.Operations;
using Stork.Format.Errors;
using Stork.Format.Packages;
using Stork.Resolver;
using Stork.Resolver.Model;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// The guest-controlled inputs of Debian guests: dpkg's status file (read through the guest root, bounded, strict) and
/// the guest's account files; and the base image as the solver sees it.
/// </summary>
public sealed class DpkgBaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-dpkgbase-").FullName;
    private string Root => Path.Combine(_dir, "root");

    public DpkgBaseTests() => Directory.CreateDirectory(Path.Combine(Root, "var/lib/dpkg"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Status = """
        Package: libc6
        Status: install ok installed
        Priority: optional
        Architecture: amd64
        Multi-Arch: same
        Version: 2.36-9+deb12u10
        Provides: libc6-x (= 2.36)
        Description: GNU C Library: Shared libraries
         Contains the standard libraries.

        Package: libc6
        Status: install ok installed
        Architecture: i386
        Version: 2.36-9+deb12u9

        Package: removed-one
        Status: deinstall ok config-files
        Version: 1.0-1

        Package: mawk
        Status: install ok installed
        Version: 1.3.4.20200120-3.1
        Provides: awk

        """;

    [Fact]
    public void Status_file_lists_installed_packages_with_mapped_versions_and_provides()
    {
        File.WriteAllText(Path.Combine(Root, DpkgStatus.StatusPath), Status);
        using var root = GuestRoot.Open("g", Root);
        var packages = DpkgStatus.Read(root)!;
        Assert.Equal(["libc6", "mawk"], packages.Select(p => p.Name));
        var libc = packages[0];
        Assert.Equal("2.36-9+deb12u10", libc.DebianVersion); // the newer of the two architectures
        Assert.Equal(Stork.Format.Debian.DebianVersionMapping.ToSemVer("2.36-9+deb12u10"), libc.Version.ToFullString());
        Assert.Equal(("libc6-x", NuGetVersion.Parse(Stork.Format.Debian.DebianVersionMapping.ToSemVer("2.36"))), libc.Provides.Single());
        Assert.Equal(("awk", (NuGetVersion?)null), packages[1].Provides.Single());
    }

    [Fact]
    public void No_status_file_means_no_base_image()
    {
        using var root = GuestRoot.Open("g", Root);
        Assert.Null(DpkgStatus.Read(root));
        Assert.False(DpkgStatus.Present(root));
    }

    [Theory]
    [InlineData("Package: x\nVersion: 1.0\n", "has no Status")]
    [InlineData("Package: x\nStatus: install ok installed\nVersion: not-a-version\n", "no valid Version")]
    [InlineData(" continued\nPackage: x\n", "continues a field")]
    [InlineData("Package: x\nPackage: y\n", "repeats field")]
    [InlineData("Package: Bad_Name\nStatus: install ok installed\nVersion: 1\n", "not a valid package name")]
    [InlineData("no colon here\n", "is not a 'Field: value' line")]
    public void A_damaged_status_file_is_a_guest_error_naming_it(string text, string problem)
    {
        var e = Assert.Throws<GuestException>(() => DpkgStatus.Parse(Encoding.UTF8.GetBytes(text), "g"));
        Assert.Equal(ErrorClass.Guest, e.Class);
        Assert.Contains("/var/lib/dpkg/status", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_symlink_at_the_status_path_is_not_followed_out_of_the_guest()
    {
        var secret = Path.Combine(_dir, "host-secret");
        File.WriteAllText(secret, "Package: hostonly\nStatus: install ok installed\nVersion: 1\n");
        File.CreateSymbolicLink(Path.Combine(Root, DpkgStatus.StatusPath), secret);
        using var root = GuestRoot.Open("g", Root);
        var e = Assert.Throws<GuestConflictException>(() => DpkgStatus.Read(root));
        Assert.Contains("a symlink", e.Message);
    }

    [Fact]
    public async Task A_fifo_at_the_status_path_is_refused_without_waiting()
    {
        Assert.Equal(0, Mkfifo(Path.Combine(Root, DpkgStatus.StatusPath), 0x1A4));
        using var root = GuestRoot.Open("g", Root);
        var read = Task.Run(() => Assert.Throws<GuestConflictException>(() => DpkgStatus.Read(root)));
        var error = await read.WaitAsync(TimeSpan.FromSeconds(60)); // a TimeoutException here: reading a FIFO hung
        Assert.Contains("a FIFO", error.Message);
    }

    [Fact]
    public void A_status_file_over_the_limit_is_refused()
    {
        using (var f = File.Create(Path.Combine(Root, DpkgStatus.StatusPath))) f.SetLength(DpkgStatus.MaxBytes + 1L);
        using var root = GuestRoot.Open("g", Root);
        var e = Assert.Throws<GuestException>(() => DpkgStatus.Read(root));
        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public void Owners_resolve_by_name_in_the_guests_accounts_and_fall_back_to_the_id()
    {
        var accounts = GuestAccounts.Parse(
            Encoding.UTF8.GetBytes("root:x:0:0:root:/root:/bin/bash\nwww-data:x:1033:1034:www:/var/www:/usr/sbin/nologin\n"),
            Encoding.UTF8.GetBytes("root:x:0:\nwww-data:x:1034:\n"), "g");
        var file = PackageFileEntry.File("var/www/x", "0644", 1, new string('0', 64)) with { Owner = "www-data:33", Group = "www-data:33" };
        Assert.Equal(new GuestOwner(1033, 1034), accounts.OwnerOf(file));
        Assert.Equal(new GuestOwner(105, 0), accounts.OwnerOf(file with { Owner = "nobody-here:105", Group = null })); // no group: root's
        Assert.Null(accounts.OwnerOf(file with { Owner = null, Group = null }));
    }

    [Theory]
    [InlineData("www-data:x:33\n")]
    [InlineData("www-data:x:-1:33:::\n")]
    [InlineData("www data:x:33:33:::\n")]
    [InlineData("www-data:x:4294967295:33:::\n")]
    public void A_malformed_passwd_line_is_a_guest_error(string passwd)
    {
        var e = Assert.Throws<GuestException>(() => GuestAccounts.Parse(Encoding.UTF8.GetBytes(passwd), null, "g"));
        Assert.Contains("/etc/passwd line 1", e.Message);
    }

    [Fact]
    public void The_image_meets_dependencies_and_is_never_replaced()
    {
        Candidate C(string name, string version, params string[][] depends) =>
            new(name, NuGetVersion.Parse(version), depends.Select(d => (IReadOnlyList<Reference>)d.Select(Reference.Parse).ToList()).ToList(), [], []);
        var repository = new InMemoryPackageProvider([
            C("libc6", "2.0.0"), C("libc6", "3.0.0"),
            C("tool", "1.0.0", ["libc6 [2.0.0,)"], ["awk"]),
        ]);
        var image = new[]
        {
            new DpkgPackage("libc6", "2.5-1", NuGetVersion.Parse("2.5.0"), []),
            new DpkgPackage("mawk", "1.3-1", NuGetVersion.Parse("1.3.0"), [("awk", null)]),
        };
        var provider = new BaseImageProvider(repository, image);
        var request = new SolveRequest
        {
            Install = [Reference.Parse("tool")],
            Installed = provider.Locked,
            Locks = provider.Locked,
        };
        var result = Solver.Solve(provider, request);
        Assert.True(result.Solvable, result.Explanation);
        Assert.Contains(result.Solution, c => c.Name == "libc6" && c.Version == NuGetVersion.Parse("2.5.0")); // the image's, not 3.0.0
        Assert.Contains(result.Solution, c => c.Name == "tool");
        // A requirement the image's version cannot meet is unsolvable rather than replacing the image's package.
        var tooNew = new InMemoryPackageProvider([C("libc6", "3.0.0"), C("tool", "1.0.0", ["libc6 [3.0.0,)"])]);
        Assert.False(Solver.Solve(new BaseImageProvider(tooNew, image), request).Solvable);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(byte[] path, int mode);

    private static int Mkfifo(string path, int mode) => Mkfifo(Encoding.UTF8.GetBytes(path + "\0"), mode);
}
