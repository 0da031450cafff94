using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Interop;

/// <summary>tuf-js, an independent TUF client, verifies and downloads from a repository stork-publish wrote, served by nginx.</summary>
public sealed class TufJsClientTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    [Fact]
    public void Tuf_js_refreshes_and_downloads_packages_with_identical_bytes()
    {
        using var work = new TestHost();
        var targets = new[] { "packages/busybox/busybox-1.35.0.stork", "packages/hello/hello-1.0.0.stork" };
        var result = Node.Run("tufjs-client.js", [repo.Nginx.BaseUrl.ToString(), repo.RootFile, work.Directory, .. targets]);
        Assert.True(result.ExitCode == 0, result.ToString());

        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(targets.Length, lines.Length);
        foreach (var line in lines)
        {
            var json = JsonNode.Parse(line)!.AsObject();
            var downloaded = json["path"]!.GetValue<string>();
            var target = json["target"]!.GetValue<string>();
            var name = Path.GetFileName(target);
            var served = Directory.GetFiles(Path.Combine(repo.PublicDir, "targets", Path.GetDirectoryName(target)!), "*." + name).Single();
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(served)), SHA256.HashData(File.ReadAllBytes(downloaded)));
        }
        // tuf-js fetched through the consistent-snapshot names Stork writes.
        Assert.Contains(repo.Nginx.Requests(), l => l.StartsWith("GET /metadata/timestamp.json 200", StringComparison.Ordinal));
        Assert.Contains(repo.Nginx.Requests(), l => l.Contains(".snapshot.json 200", StringComparison.Ordinal));
    }

    [Fact]
    public void Tuf_js_refuses_a_tampered_package()
    {
        using var work = new TestHost();
        var blob = Directory.GetFiles(Path.Combine(repo.PublicDir, "targets", "packages", "greet-data"), "*.stork").Single();
        var original = File.ReadAllBytes(blob);
        try
        {
            var tampered = (byte[])original.Clone();
            tampered[^10] ^= 0xFF;
            File.WriteAllBytes(blob, tampered);
            var result = Node.Run("tufjs-client.js", repo.Nginx.BaseUrl.ToString(), repo.RootFile, work.Directory, "packages/greet-data/greet-data-1.0.0.stork");
            Assert.NotEqual(0, result.ExitCode);
        }
        finally
        {
            File.WriteAllBytes(blob, original);
        }
    }
}
