using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Interop;

/// <summary>
/// A repository with a maintainer's delegated role and 16 hash bins, made with the stork-publish CLI and served by
/// nginx: tuf-js (independent) and stork-get must both find packages through the delegations.
/// </summary>
public sealed class DelegatedRepositoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-delegated-").FullName;
    private string Repo => Path.Combine(_dir, "repo");
    private string Built => Path.Combine(_dir, "built");

    private void Publish(params string[] args) => PublishedRepository.Expect(ProcessRunner.StorkPublish(args), string.Join(' ', args));

    private string BuiltPackage(string prefix) => Directory.GetFiles(Built, prefix + "*.stork").Single();

    private NginxServer PublishRepository()
    {
        Publish("init", Repo);
        foreach (var source in Fixtures.PackageDirs) Publish("build", source, "--output", Built);
        var aliceKey = Path.Combine(_dir, "alice.key.json");
        Publish("key", "new", "--out", aliceKey);
        Publish("delegate", Repo, "alice", "--key", aliceKey, "--threshold", "1", "--paths", "packages/hello/*");
        Publish("add", Repo, BuiltPackage("hello_1.0.0"), "--role", "alice", "--key", aliceKey);
        Publish("add", Repo, BuiltPackage("busybox_"), BuiltPackage("greet-data_"), "--publish");
        Publish("bins", Repo, "--count", "16");
        Publish("verify", Repo);
        return new NginxServer(Path.Combine(Repo, "public"));
    }

    [Fact]
    public void Tuf_js_and_stork_get_find_packages_in_a_delegated_role_and_in_hash_bins()
    {
        using var nginx = PublishRepository();
        var root = Path.Combine(Repo, "public", "metadata", "1.root.json");

        using var work = new TestHost();
        var tufjs = Node.Run("tufjs-client.js", nginx.BaseUrl.ToString(), root, work.Directory,
            "packages/hello/hello-1.0.0.stork", "packages/busybox/busybox-1.35.0.stork");
        Assert.True(tufjs.ExitCode == 0, tufjs.ToString());
        Assert.Contains(nginx.Requests(), l => l.Contains(".alice.json 200", StringComparison.Ordinal));
        Assert.Contains(nginx.Requests(), l => l.Contains(".bins-", StringComparison.Ordinal));

        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", root), "init");
        PublishedRepository.Expect(host.Get("guest", "add", "g", "--root", host.GuestRoot("g")), "guest add");
        var install = host.Get("install", "--guest", "g", "hello");
        Assert.True(install.ExitCode == 0, install.ToString());
        var list = host.Get("list", "--guest", "g", "--json");
        Assert.Contains("\"hello\"", list.Stdout);
        Assert.Contains("\"busybox\"", list.Stdout);
    }

    [Fact]
    public void The_publisher_key_and_delegation_commands_pass_their_smoke_script()
    {
        var script = RepoRoot.File("tests", "Stork.Publishing.Tests", "Publishing", "cli-keys-smoke.sh");
        var result = ProcessRunner.Run("sh", [script], workingDirectory: RepoRoot.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("all CLI checks passed", result.Stdout);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
