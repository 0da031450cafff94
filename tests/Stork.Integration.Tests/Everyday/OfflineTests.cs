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
    public void Expired_metadata_with_the_repository_down_serves_local_work_and_never_new_installs()
    {
        using var repo = new SmallRepository(timestampExpiryDays: 90.0 / 86400, // a 90 s timestamp
            ("tool", "1.0.0", null), ("app", "1.0.0", "tool [1.0.0,)"), ("other", "1.0.0", null));
        using var host = repo.NewHost("a", "b");
        var dry = host.Get("install", "-g", "a", "app", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Single(dry.Stderr.Split('\n'), l => l.StartsWith("warning: the stored timestamp metadata expires"));
        PublishedRepository.Expect(host.Get("install", "-g", "a", "app"), "install app");
        PublishedRepository.Expect(host.Get("install", "-g", "b", "other"), "install other");
        repo.StopServing();

        var stored = JsonNode.Parse(File.ReadAllText(Path.Combine(host.Home, "state", "metadata", "timestamp.json")))!;
        var expires = DateTimeOffset.Parse((string)stored["signed"]!["expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        var wait = expires.AddSeconds(2) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) Thread.Sleep(wait);

        // Local work: each succeeds, and a command that reads the metadata says once that it has expired.
        var remove = ExpiredButOk(host.Get("remove", "-g", "a", "app"), "remove");
        Assert.Contains("removed", remove.Stdout);
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/app/VERSION")));
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/tool/VERSION")));
        var rollback = host.Get("rollback", "-g", "a");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("a"), "usr/share/app/VERSION")));
        Assert.Contains("app", Ok(host.Get("list", "-g", "a"), "list").Stdout);
        Assert.Contains("rollback", Ok(host.Get("history", "-g", "a"), "history").Stdout);
        Ok(host.Get("verify"), "verify");
        Assert.Contains("app 1.0.0", ExpiredButOk(host.Get("show", "app"), "show").Stdout);
        Assert.Contains("other", ExpiredButOk(host.Get("search", "other"), "search").Stdout);
        ExpiredButOk(host.Get("list", "--upgradable", "-g", "a"), "list --upgradable");
        // A dry run plans from it; a change that installs nothing new goes ahead.
        var plan = ExpiredButOk(host.Get("install", "-g", "b", "app", "--dry-run"), "install --dry-run");
        Assert.Contains("app 1.0.0", plan.Stdout);
        ExpiredButOk(host.Get("install", "-g", "b", "app", "--dry-run", "--offline"), "install --dry-run --offline");
        ExpiredButOk(host.Get("install", "-g", "a", "app", "--offline"), "install --offline (already installed)");
        ExpiredButOk(host.Get("remove", "-g", "b", "other", "--offline"), "remove --offline");

        // Expired metadata is never trusted for new installs, cached blobs or not.
        var install = host.Get("install", "-g", "b", "app", "--offline");
        Assert.Equal(7, install.ExitCode);
        Assert.Contains("expired", install.Stderr);
        Assert.Contains("--offline", install.Stderr);
        Assert.Single(install.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
        Assert.False(Directory.Exists(Path.Combine(host.GuestRoot("b"), "usr/share/app")));
        // Without --offline the repository is asked: it is down, exit 4.
        Assert.Equal(4, host.Get("install", "-g", "b", "app").ExitCode);
        Assert.False(Directory.Exists(Path.Combine(host.GuestRoot("b"), "usr/share/app")));
    }

    private static ProcessResult Ok(ProcessResult result, string what)
    {
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
        return result;
    }

    /// <summary>Exit 0, no error line, and exactly one line saying the stored metadata expired.</summary>
    private static ProcessResult ExpiredButOk(ProcessResult result, string what)
    {
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.StartsWith("error:"));
        Assert.Single(lines, l => l.Contains("expired", StringComparison.Ordinal));
        return result;
    }
}
