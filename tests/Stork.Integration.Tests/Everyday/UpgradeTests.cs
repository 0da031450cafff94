using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>Versions with build metadata, upgrade, list --upgradable, show per guest, hold, history notes: through the real CLI.</summary>
public sealed class UpgradeTests
{
    private static ProcessResult Ok(ProcessResult result, string what)
    {
        Assert.True(result.ExitCode == 0, $"{what}: {result}");
        return result;
    }

    private static Dictionary<string, string> Installed(TestHost host, string guest)
        => JsonNode.Parse(Ok(host.Get("list", "-g", guest, "--json"), "list").Stdout)!.AsArray()
            .ToDictionary(p => (string)p!["name"]!, p => (string)p!["version"]!);

    [Fact]
    public void Build_metadata_versions_install_upgrade_and_show_everywhere_with_globbed_guests()
    {
        using var repo = new SmallRepository(("tool", "1.0.0+build.5", null), ("lib", "1.0.0+build.1", null));
        using var host = repo.NewHost("web1", "web2", "db1");

        Ok(host.Get("install", "-g", "web*", "tool", "lib"), "install into web*");
        Assert.Equal("1.0.0+build.5", Installed(host, "web1")["tool"]);
        Assert.Equal("1.0.0+build.1", Installed(host, "web2")["lib"]);
        Assert.Empty(Installed(host, "db1"));
        Assert.Contains("1.0.0+build.5", Ok(host.Get("list", "--all-guests"), "list").Stdout);

        repo.Publish(("tool", "1.1.0+build.7", null), ("lib", "1.2.0+build.2", null));
        Ok(host.Get("refresh"), "refresh");
        var upgradable = JsonNode.Parse(Ok(host.Get("list", "--upgradable", "--all-guests", "--json"), "list --upgradable").Stdout)!.AsArray();
        Assert.Equal(4, upgradable.Count); // tool and lib in web1 and web2
        Assert.Contains(upgradable, u => (string)u!["guest"]! == "web1" && (string)u["name"]! == "tool" && (string)u["candidate"]! == "1.1.0+build.7");

        var show = JsonNode.Parse(Ok(host.Get("show", "tool", "--json"), "show").Stdout)!;
        Assert.Equal("1.1.0+build.7", (string)show["install_picks"]!);
        var perGuest = show["guests"]!.AsArray().ToDictionary(g => (string)g!["guest"]!, g => (string?)g!["installed"]);
        Assert.Equal("1.0.0+build.5", perGuest["web1"]);
        Assert.Null(perGuest["db1"]);
        var showText = Ok(host.Get("show", "tool"), "show").Stdout;
        Assert.Contains("web1", showText);
        Assert.Contains("picks 1.1.0+build.7", showText);

        // One package of one guest.
        Ok(host.Get("upgrade", "-g", "web1", "tool"), "upgrade tool in web1");
        Assert.Equal("1.1.0+build.7", Installed(host, "web1")["tool"]);
        Assert.Equal("1.0.0+build.1", Installed(host, "web1")["lib"]);
        Assert.Equal("1.0.0+build.5", Installed(host, "web2")["tool"]);

        // Everything in every guest; the dry run changes nothing first.
        var dry = Ok(host.Get("upgrade", "--all-guests", "--dry-run"), "upgrade --dry-run");
        Assert.Contains("upgrade: lib 1.0.0+build.1 -> 1.2.0+build.2", dry.Stdout);
        Assert.Equal("1.0.0+build.5", Installed(host, "web2")["tool"]);
        var all = Ok(host.Get("upgrade", "--all-guests"), "upgrade --all-guests");
        Assert.Contains("web2: upgraded", all.Stdout);
        foreach (var guest in new[] { "web1", "web2" })
        {
            Assert.Equal("1.1.0+build.7", Installed(host, guest)["tool"]);
            Assert.Equal("1.2.0+build.2", Installed(host, guest)["lib"]);
        }
        Assert.Empty(Installed(host, "db1"));
        Assert.Equal("tool 1.1.0+build.7\n" + new string('x', 1300), File.ReadAllText(Path.Combine(host.GuestRoot("web2"), "usr/share/tool/VERSION")));
        Assert.Empty(JsonNode.Parse(Ok(host.Get("list", "--upgradable", "-g", "web*", "--json"), "list --upgradable").Stdout)!.AsArray());
        Ok(host.Get("verify"), "verify");

        // History: the command line, the user, and that apply did not make it.
        var history = JsonNode.Parse(Ok(host.Get("history", "-g", "web1", "--json"), "history").Stdout)!.AsArray();
        Assert.Equal(3, history.Count);
        Assert.Contains("install -g web* tool lib".Replace("web*", "'web*'"), (string)history[0]!["command"]!);
        Assert.Contains("upgrade -g web1 tool", (string)history[1]!["command"]!);
        Assert.Equal(Environment.UserName, (string)history[2]!["user"]!);
        Assert.False((bool)history[2]!["apply"]!);
    }

    [Fact]
    public void Held_packages_stay_through_upgrade_until_unheld()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null));
        using var host = repo.NewHost("a", "b");
        Ok(host.Get("install", "--all-guests", "tool"), "install");
        Ok(host.Get("hold", "tool", "-g", "b"), "hold");
        Assert.Contains("held", Ok(host.Get("list", "-g", "b"), "list").Stdout);
        repo.Publish(("tool", "2.0.0", null));

        var plain = host.Get("upgrade", "-g", "b", "tool");
        Assert.Equal(5, plain.ExitCode);
        Assert.Contains("held", plain.Stderr);
        Ok(host.Get("upgrade", "--all-guests"), "upgrade");
        Assert.Equal("2.0.0", Installed(host, "a")["tool"]);
        Assert.Equal("1.0.0", Installed(host, "b")["tool"]);
        var listed = JsonNode.Parse(Ok(host.Get("list", "--upgradable", "-g", "b", "--json"), "list --upgradable").Stdout)!.AsArray();
        Assert.True((bool)listed.Single()!["held"]!);

        Ok(host.Get("unhold", "tool", "-g", "b"), "unhold");
        Ok(host.Get("upgrade", "-g", "b"), "upgrade after unhold");
        Assert.Equal("2.0.0", Installed(host, "b")["tool"]);
    }

    [Fact]
    public void Rollback_and_downgrades_are_printed_as_such()
    {
        using var repo = new SmallRepository(("tool", "1.0.0", null), ("tool", "2.0.0", null));
        using var host = repo.NewHost("a");
        Ok(host.Get("install", "-g", "a", "tool=2.0.0"), "install 2.0.0");
        var down = Ok(host.Get("install", "-g", "a", "tool=1.0.0"), "install 1.0.0");
        Assert.Contains("downgraded tool 2.0.0 -> 1.0.0", down.Stdout);
        Assert.DoesNotContain("upgraded", down.Stdout);
        var back = Ok(host.Get("rollback", "-g", "a"), "rollback");
        Assert.Contains("rolled back to generation 1", back.Stdout);
        Assert.Equal("2.0.0", Installed(host, "a")["tool"]);
    }
}
