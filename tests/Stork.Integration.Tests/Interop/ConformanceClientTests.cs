using System.Security.Cryptography;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Interop;

/// <summary>The tuf-conformance client protocol (CLIENT-CLI.md) of stork-tuf-client, against a real nginx.</summary>
public sealed class ConformanceClientTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private string MetadataUrl => new Uri(repo.Nginx.BaseUrl, "metadata").ToString();
    private string TargetsUrl => new Uri(repo.Nginx.BaseUrl, "targets").ToString();

    [Fact]
    public void Init_copies_the_trusted_root_and_makes_no_request()
    {
        using var dir = new TestHost();
        var before = repo.Nginx.Requests().Count;
        var init = ProcessRunner.TufClient("--metadata-dir", dir.Directory, "init", repo.RootFile);
        Assert.Equal(0, init.ExitCode);
        Assert.Equal(File.ReadAllBytes(repo.RootFile), File.ReadAllBytes(Path.Combine(dir.Directory, "root.json")));
        Assert.Equal(before, repo.Nginx.Requests().Count);
    }

    [Fact]
    public void Refresh_keeps_unversioned_trusted_metadata()
    {
        using var dir = new TestHost();
        Assert.Equal(0, ProcessRunner.TufClient("--metadata-dir", dir.Directory, "init", repo.RootFile).ExitCode);
        var refresh = ProcessRunner.TufClient("--metadata-url", MetadataUrl, "--metadata-dir", dir.Directory, "refresh");
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        foreach (var role in new[] { "root", "timestamp", "snapshot", "targets" })
            Assert.True(File.Exists(Path.Combine(dir.Directory, role + ".json")), role);
        Assert.Empty(Directory.GetFiles(dir.Directory, "*.*.json"));
    }

    [Fact]
    public void Refresh_is_strict_TUF_probing_the_root_every_time_and_keeping_only_role_files()
    {
        using var dir = new TestHost();
        Assert.Equal(0, ProcessRunner.TufClient("--metadata-dir", dir.Directory, "init", repo.RootFile).ExitCode);
        Assert.Equal(0, ProcessRunner.TufClient("--metadata-url", MetadataUrl, "--metadata-dir", dir.Directory, "refresh").ExitCode);
        var before = repo.Nginx.Requests().Count;

        var refresh = ProcessRunner.TufClient("--metadata-url", MetadataUrl, "--metadata-dir", dir.Directory, "refresh");

        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        var paths = repo.Nginx.Requests().Skip(before).Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal(2, paths.Count);
        Assert.Matches(@"^/metadata/[0-9]+\.root\.json$", paths[0]);
        Assert.Equal("/metadata/timestamp.json", paths[1]);
        Assert.Equal(["root.json", "snapshot.json", "targets.json", "timestamp.json"],
            Directory.GetFiles(dir.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Download_takes_options_in_any_order_repeats_target_name_and_caches()
    {
        using var dir = new TestHost();
        var metadata = Path.Combine(dir.Directory, "metadata");
        var targets = Path.Combine(dir.Directory, "targets");
        Directory.CreateDirectory(metadata);
        Assert.Equal(0, ProcessRunner.TufClient("init", "--metadata-dir", metadata, repo.RootFile).ExitCode);
        string[] args = ["--target-dir", targets, "--target-name", "packages/hello/hello-1.0.0.stork", "--metadata-dir", metadata,
            "--target-base-url", TargetsUrl, "--target-name", "packages/greet-data/greet-data-1.0.0.stork", "--metadata-url", MetadataUrl, "download"];
        var first = ProcessRunner.TufClient(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        var files = Directory.GetFiles(targets);
        Assert.Equal(2, files.Length);
        var served = Directory.GetFiles(Path.Combine(repo.PublicDir, "targets", "packages", "hello"), "*.hello-1.0.0.stork").Single();
        Assert.Contains(files, f => SHA256.HashData(File.ReadAllBytes(f)).SequenceEqual(SHA256.HashData(File.ReadAllBytes(served))));

        var blobGets = repo.Nginx.Requests().Count(l => l.StartsWith("GET /targets/packages/hello/", StringComparison.Ordinal));
        Assert.Equal(0, ProcessRunner.TufClient(args).ExitCode);
        Assert.Equal(blobGets, repo.Nginx.Requests().Count(l => l.StartsWith("GET /targets/packages/hello/", StringComparison.Ordinal)));
    }

    [Fact]
    public void Failures_exit_with_1()
    {
        using var dir = new TestHost();
        Assert.Equal(1, ProcessRunner.TufClient("--metadata-dir", dir.Directory, "bogus").ExitCode);
        Assert.Equal(1, ProcessRunner.TufClient("--metadata-dir", dir.Directory, "--metadata-url", MetadataUrl, "refresh").ExitCode); // not initialised
        Assert.Equal(0, ProcessRunner.TufClient("--metadata-dir", dir.Directory, "init", repo.RootFile).ExitCode);
        var missing = ProcessRunner.TufClient("--metadata-dir", dir.Directory, "--metadata-url", MetadataUrl, "--target-base-url", TargetsUrl,
            "--target-dir", Path.Combine(dir.Directory, "t"), "--target-name", "packages/nope/nope-1.0.0.stork", "download");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not listed", missing.Stderr);
    }
}
