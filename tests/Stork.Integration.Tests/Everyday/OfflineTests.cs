using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>With nginx stopped: remove and rollback need no repository; --offline installs from cached blobs only.</summary>
public sealed class OfflineTests
{
    [Fact]
    public void Remove_rollback_and_offline_install_work_with_the_repository_down()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null), ("app", "1.0.0", "tool [1.0.0,)"), ("other", "1.0.0", null));
        using var host = repo.NewHost("a", "b");
        PublishedRepository.Expect(host.Get("install", "-g", "a", "app"), "install app");
        repo.StopServing();

        var remove = host.Get("remove", "-g", "a", "app");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Contains("removed", remove.Stdout);
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/tool/VERSION"))); // the dependency went too

        var rollback = host.Get("rollback", "-g", "a");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/app/VERSION")));

        // Cached blobs install into another guest without the network...
        var offline = host.Get("install", "-g", "b", "app", "--offline");
        Assert.True(offline.ExitCode == 0, offline.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("b"), "usr/share/tool/VERSION")));
        // ...and a package never downloaded is refused with its name, changing nothing.
        var missing = host.Get("install", "-g", "b", "other", "--offline");
        Assert.Equal(7, missing.ExitCode);
        Assert.Contains("other 1.0.0 is not cached", missing.Stderr);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
        Assert.False(Directory.Exists(Path.Combine(host.GuestRoot("b"), "usr/share/other")));

        // Without --offline an install needs the repository: exit 4.
        Assert.Equal(4, host.Get("install", "-g", "b", "other").ExitCode);
    }

    [Fact]
    public void Metadata_expiring_soon_warns_once_and_expired_metadata_is_never_trusted_for_offline_installs()
    {
        using var repo = new SmallRepository(timestampExpiryDays: 90.0 / 86400, ("tool", "1.0.0", null)); // a 90 s timestamp
        using var host = repo.NewHost("a");
        var dry = host.Get("install", "-g", "a", "tool", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Single(dry.Stderr.Split('\n'), l => l.StartsWith("warning: the stored timestamp metadata expires"));
        repo.StopServing();

        var stored = JsonNode.Parse(File.ReadAllText(Path.Combine(host.Home, "state", "metadata", "timestamp.json")))!;
        var expires = DateTimeOffset.Parse((string)stored["signed"]!["expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        var wait = expires.AddSeconds(2) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) Thread.Sleep(wait);
        var install = host.Get("install", "-g", "a", "tool", "--offline");
        Assert.Equal(7, install.ExitCode);
        Assert.Contains("expired", install.Stderr);
        Assert.Contains("--offline", install.Stderr);
        Assert.False(Directory.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/tool")));
    }
}
