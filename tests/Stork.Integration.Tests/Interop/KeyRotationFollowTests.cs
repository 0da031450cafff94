using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Interop;

/// <summary>
/// A maintainer rotates the targets, snapshot and timestamp keys (and raises a threshold) with the stork-publish CLI;
/// a host that trusted the old root follows without any manual step.
/// </summary>
public sealed class KeyRotationFollowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-rotate-").FullName;

    private void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    [Fact]
    public void A_host_follows_rotated_keys_through_the_root_chain()
    {
        var repo = Path.Combine(_dir, "repo");
        var built = Path.Combine(_dir, "built");
        Publish("init", repo);
        foreach (var source in Fixtures.PackageDirs) Publish("build", source, "--output", built);
        Publish(["add", repo, .. Directory.GetFiles(built, "*.stork").Where(f => !f.Contains("libdemo_1.1.0")), "--publish"]);
        using var nginx = new NginxServer(Path.Combine(repo, "public"));
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(repo, "public", "metadata", "1.root.json")), "init");
        PublishedRepository.Expect(host.Get("guest", "add", "g", "--root", host.GuestRoot("g")), "guest add");
        PublishedRepository.Expect(host.Get("install", "--guest", "g", "hello"), "install");

        foreach (var role in new[] { "targets", "snapshot", "timestamp" }) Publish("key", "rotate", repo, "--role", role);
        Publish("key", "add", repo, "--role", "timestamp");
        Publish("threshold", repo, "--role", "timestamp", "--value", "2");
        Publish("add", repo, Directory.GetFiles(built, "libdemo_1.1.0*.stork").Single(), "--publish");

        var install = host.Get("install", "--guest", "g", "libdemo");
        Assert.True(install.ExitCode == 0, install.ToString());
        var refresh = System.Text.Json.Nodes.JsonNode.Parse(host.Get("refresh", "--json").Stdout)!;
        Assert.True(refresh["root"]!.GetValue<long>() >= 5, $"the host walked the root chain: {refresh}");
        Assert.Contains("\"libdemo\",\"version\":\"1.1.0\"", host.Get("list", "--guest", "g", "--json").Stdout);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
