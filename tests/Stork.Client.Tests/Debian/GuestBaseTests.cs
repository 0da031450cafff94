using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// <c>guest add --base</c>: auto detects the guest's dpkg database at each change, dpkg requires it (missing is that
/// guest's error, at registration and at every later change, never "no base"), none leaves it alone.
/// </summary>
public sealed class GuestBaseTests : IDisposable
{
    private readonly HostFixture _host = new();

    public void Dispose() => _host.Dispose();

    private const string Status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u10\n\n";

    private string StatusFile(string guest) => Path.Combine(_host.GuestRoot(guest), "var/lib/dpkg/status");

    private void WithStatus(string guest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StatusFile(guest))!);
        File.WriteAllText(StatusFile(guest), Status);
    }

    [Fact]
    public void Base_dpkg_without_a_dpkg_database_is_refused_at_registration()
    {
        Directory.CreateDirectory(_host.GuestRoot("bare"));
        var e = Assert.Throws<GuestException>(() => _host.Guests.AddGuest("bare", _host.GuestRoot("bare"), baseImage: GuestBases.Dpkg));
        Assert.Equal(ErrorClass.Guest, e.Class);
        Assert.Contains("guest 'bare' was registered with --base dpkg but has no /var/lib/dpkg/status", e.Message);
        Assert.Null(_host.Database.Guests.Find("bare"));
    }

    [Fact]
    public async Task Base_dpkg_whose_status_vanished_is_a_guest_error_not_no_base()
    {
        WithStatus("deb");
        var guest = _host.Guests.AddGuest("deb", _host.GuestRoot("deb"), baseImage: GuestBases.Dpkg);
        Assert.Equal(GuestBases.Dpkg, _host.Database.Guests.Find("deb")!.Base);
        Assert.Equal("libc6", Assert.Single(_host.Installer.ReadBaseImage("deb")!).Name);
        Assert.Contains("\"base\":\"dpkg\"", File.ReadAllText(HostIdentity.GuestRootsPath(_host.Paths.StateDir)).Replace(" ", ""));

        File.Delete(StatusFile("deb"));
        var e = Assert.Throws<GuestException>(() => _host.Installer.ReadBaseImage("deb"));
        Assert.Equal(ErrorClass.Guest, e.Class);
        Assert.Contains("--base dpkg", e.Message);
        // The installer's own dpkg registration step refuses too, and leaves the guest as it was.
        var tool = _host.Build("tool", "1.0.0", new Dictionary<string, string> { ["usr/share/tool/README"] = "tool\n" });
        var install = await Assert.ThrowsAsync<GuestException>(() => _host.ApplyAsync(guest.Name, tool));
        Assert.Contains("--base dpkg", install.Message);
        Assert.False(File.Exists(StatusFile("deb")), "no dpkg status may be made up for the guest");
        Assert.False(File.Exists(Path.Combine(_host.GuestRoot("deb"), "usr/share/tool/README")), "the change must stop before any file is touched");
        Assert.Empty(_host.Database.Ownership.ListInstalled("deb"));
    }

    [Fact]
    public async Task Base_none_neither_reads_nor_writes_the_guests_dpkg_database()
    {
        WithStatus("plain");
        _host.Guests.AddGuest("plain", _host.GuestRoot("plain"), baseImage: GuestBases.None);
        Assert.Null(_host.Installer.ReadBaseImage("plain"));
        var tool = _host.Build("tool", "1.0.0", new Dictionary<string, string> { ["usr/share/tool/README"] = "tool\n" });
        await _host.ApplyAsync("plain", tool);
        Assert.True(File.Exists(Path.Combine(_host.GuestRoot("plain"), "usr/share/tool/README")));
        Assert.Equal(Status, File.ReadAllText(StatusFile("plain"))); // not registered into
    }

    [Fact]
    public async Task Base_auto_detects_the_dpkg_database_and_registers_into_it_with_md5sums()
    {
        WithStatus("auto");
        var guest = _host.Guests.AddGuest("auto", _host.GuestRoot("auto"));
        Assert.Equal(GuestBases.Auto, guest.Base);
        Assert.Equal("libc6", Assert.Single(_host.Installer.ReadBaseImage("auto")!).Name);
        var tool = _host.Build("tool", "1.0.0", new Dictionary<string, string> { ["usr/share/tool/README"] = "tool\n" });
        await _host.ApplyAsync("auto", tool);
        Assert.Contains("Package: tool\n", File.ReadAllText(StatusFile("auto")));
        // dpkg's md5sums of the package's files, as dpkg -V reads them ("HEX  PATH", no leading slash).
        var md5sums = Path.Combine(_host.GuestRoot("auto"), "var/lib/dpkg/info/tool.md5sums");
        Assert.Equal($"{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("tool\n"u8.ToArray()))}  usr/share/tool/README\n", File.ReadAllText(md5sums));

        // An upgrade rewrites them; a removal takes them away with the package's list.
        var tool2 = _host.Build("tool", "2.0.0", new Dictionary<string, string> { ["usr/share/tool/README"] = "tool 2\n" });
        await _host.ApplyAsync("auto", tool2);
        Assert.StartsWith(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("tool 2\n"u8.ToArray())), File.ReadAllText(md5sums));
        await _host.ApplyAsync("auto");
        Assert.False(File.Exists(md5sums));
        Assert.False(File.Exists(Path.Combine(_host.GuestRoot("auto"), "var/lib/dpkg/info/tool.list")));
    }

    [Fact]
    public void An_unknown_base_is_refused()
    {
        var e = Assert.Throws<InvalidGuestException>(() => _host.Guests.AddGuest("x", _host.GuestRoot("x"), baseImage: "rpm"));
        Assert.Contains("'rpm' is not a base image kind", e.Message);
    }
}
