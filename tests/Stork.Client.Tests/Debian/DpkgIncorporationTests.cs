using System.Text;
using Stork.Client.Guests;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// Recording an image package's trigger in the guest's dpkg status as dpkg does when it incorporates Unincorp: the
/// interested package becomes triggers-pending with Triggers-Pending, the awaiter triggers-awaited with Triggers-Awaited,
/// every other byte stays; the base image reader still counts both states as installed.
/// </summary>
public sealed class DpkgIncorporationTests
{
    private const string Status =
        "Package: man-db\nStatus: install ok installed\nPriority: standard\nVersion: 2.11.2-2\n" +
        "Description: tools for reading manual pages\n This package provides the man command.\nHomepage: https://nongnu.org/man-db/\n\n" +
        "Package: old-one\nStatus: deinstall ok config-files\nVersion: 1.0-1\n\n" +
        "Package: stork-app\nStatus: install ok installed\nVersion: 1.0-1\nStork-Managed: yes\nDescription: ours\n Installed by Stork.\n\n" +
        "Package: mawk\nStatus: install ok installed\nVersion: 1.3.4\n";

    [Fact]
    public void The_interested_package_becomes_triggers_pending_and_the_awaiter_triggers_awaited_where_dpkg_writes_the_fields()
    {
        var updated = DpkgIncorporation.Apply(Status, [new TriggerRecord("man-db", "/usr/share/man", "stork-app")]);
        Assert.Equal(Status
            .Replace("Package: man-db\nStatus: install ok installed", "Package: man-db\nStatus: install ok triggers-pending")
            .Replace(" This package provides the man command.\n", " This package provides the man command.\nTriggers-Pending: /usr/share/man\n")
            .Replace("Package: stork-app\nStatus: install ok installed", "Package: stork-app\nStatus: install ok triggers-awaited")
            .Replace(" Installed by Stork.\n", " Installed by Stork.\nTriggers-Awaited: man-db\n"), updated);
        // The base image reader still counts man-db as installed (Stork's own paragraph is not the image).
        Assert.Equal(["man-db", "mawk"], DpkgStatus.Parse(Encoding.UTF8.GetBytes(updated), "g").Select(p => p.Name));
    }

    [Fact]
    public void No_awaiter_a_package_not_installed_and_a_trigger_already_pending_change_nothing_more()
    {
        var once = DpkgIncorporation.Apply(Status, [new TriggerRecord("mawk", "x-trig", null), new TriggerRecord("old-one", "x-trig", "stork-app")]);
        Assert.Equal(Status.Replace("Package: mawk\nStatus: install ok installed\nVersion: 1.3.4\n",
            "Package: mawk\nStatus: install ok triggers-pending\nVersion: 1.3.4\nTriggers-Pending: x-trig\n"), once);
        Assert.Same(once, DpkgIncorporation.Apply(once, [new TriggerRecord("mawk", "x-trig", null)]));
        var twice = DpkgIncorporation.Apply(once, [new TriggerRecord("mawk", "y-trig", null)]);
        Assert.Contains("Triggers-Pending: x-trig y-trig\n", twice);
        Assert.Same(Status, DpkgIncorporation.Apply(Status, [new TriggerRecord("absent", "x-trig", "stork-app")]));
    }

    [Fact]
    public void A_pending_package_that_awaits_others_becomes_triggers_awaited()
    {
        var awaiting = DpkgIncorporation.Apply(Status, [new TriggerRecord("man-db", "t1", "mawk")]);
        Assert.Contains("Package: mawk\nStatus: install ok triggers-awaited\nVersion: 1.3.4\nTriggers-Awaited: man-db\n", awaiting);
        var both = DpkgIncorporation.Apply(awaiting, [new TriggerRecord("mawk", "t2", null)]);
        Assert.Contains("Package: mawk\nStatus: install ok triggers-awaited\nVersion: 1.3.4\nTriggers-Pending: t2\nTriggers-Awaited: man-db\n", both);
        Assert.Equal(["man-db", "mawk"], DpkgStatus.Parse(Encoding.UTF8.GetBytes(both), "g").Select(p => p.Name));
    }
}
