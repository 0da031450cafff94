using Stork.Client.Guests;
using Xunit;

namespace Stork.Client.Tests;

public class GuestRegistryTests
{
    [Fact]
    public void AddsListsAndGetsGuests()
    {
        using var host = new HostFixture();
        var guest = host.AddGuest("web-1");
        Assert.True(Directory.Exists(guest.Root));
        host.AddGuest("db.2");
        Assert.Equal(["db.2", "web-1"], host.Guests.ListGuests().Select(g => g.Name));
        Assert.Equal(guest, host.Guests.Get("web-1"));
        Assert.Throws<GuestNotFoundException>(() => host.Guests.Get("nope"));
        Assert.Throws<GuestNotFoundException>(() => host.Installer.ListInstalled("nope"));
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("-web")]
    [InlineData("web/1")]
    [InlineData("")]
    public void RejectsInvalidNames(string name)
    {
        using var host = new HostFixture();
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest(name, host.GuestRoot("x")));
    }

    [Fact]
    public void RejectsRelativeRootHostRootAndDuplicates()
    {
        using var host = new HostFixture();
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("a", "relative/root"));
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("a", "/"));
        host.AddGuest("a");
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("a", host.GuestRoot("other")));
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("b", host.GuestRoot("a")));
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("b", host.GuestRoot("a") + "/nested"));
        Assert.Throws<InvalidGuestException>(() => host.Guests.AddGuest("b", Path.GetDirectoryName(host.GuestRoot("a"))!));
        host.Guests.AddGuest("b", host.GuestRoot("a") + "-sibling");
    }
}
