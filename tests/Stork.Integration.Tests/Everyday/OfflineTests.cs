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
    public void Expired_metadata_is_never_trusted_for_offline_installs()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null));
        using var host = repo.NewHost("a");
        PublishedRepository.Expect(host.Get("refresh"), "refresh");
        repo.StopServing();
        // Make the stored timestamp look expired to the client by editing it: its signature no longer verifies, and
        // a client must then refuse to use it as much as an expired one.
        var stored = Path.Combine(host.Home, "state", "metadata", "timestamp.json");
        var json = JsonNode.Parse(File.ReadAllText(stored))!;
        json["signed"]!["expires"] = "2000-01-01T00:00:00Z";
        File.WriteAllText(stored, json.ToJsonString());
        var install = host.Get("install", "-g", "a", "tool", "--offline");
        Assert.NotEqual(0, install.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/tool")));
    }
}
