using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stork.Integration.Tests.Support;
using Stork.Integration.Tests.Transfers;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// A first mirror serving malformed timestamp metadata (or redirecting off itself) and a good second mirror:
/// `stork-get refresh` succeeds from the second, names the bad one once, and never exits 1 (issue 12).
/// </summary>
public sealed class HostileMirrorTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    /// <summary>Edits of the served timestamp.json text; each makes it malformed in one way.</summary>
    public static IEnumerable<object[]> Malformations() =>
    [
        ["duplicate key", "{\"signatures\":", "{\"signatures\":[],\"signatures\":"],
        ["lone surrogate", "\"_type\":\"timestamp\"", "\"_type\":\"\\ud800\""],
        ["1e400", "\"spec_version\":", "\"x\":1e400,\"spec_version\":"],
        ["2.0", "\"spec_version\":", "\"x\":2.0,\"spec_version\":"],
        ["29-digit integer", "\"spec_version\":", "\"x\":12345678901234567890123456789,\"spec_version\":"],
        ["wrong type", "\"_type\":\"timestamp\"", "\"_type\":[\"timestamp\"]"],
        ["not JSON", "{\"signatures\":", "{\"signatures\"::"],
    ];

    private static byte[] Malform(byte[] original, string find, string replace)
    {
        var text = Encoding.UTF8.GetString(original);
        Assert.Contains(find, text);
        return Encoding.UTF8.GetBytes(new Regex(Regex.Escape(find)).Replace(text, replace, 1));
    }

    private static void AssertRefreshFailsOver(TestHost host, NginxServer bad, string what)
    {
        var refresh = host.Get("refresh");
        Assert.True(refresh.ExitCode == 0, $"{what}: {refresh}");
        var lines = refresh.Stderr.Split('\n').Where(l => l.Contains(bad.BaseUrl.ToString())).ToList();
        Assert.True(lines.Count == 1, $"{what}: the bad mirror is named once: {refresh.Stderr}");
        Assert.Contains("set aside", lines[0]);
    }

    private TestHost HostWithMirrors(NginxServer bad)
    {
        var host = TransferKit.HostWithGuests(repo.Nginx.BaseUrl, repo.RootFile);
        TransferKit.Configure(host, new JsonObject { ["mirrors"] = TransferKit.Mirrors((bad.BaseUrl, 1), (repo.Nginx.BaseUrl, 2)) });
        return host;
    }

    [Theory]
    [MemberData(nameof(Malformations))]
    public void Malformed_timestamp_on_the_first_mirror_is_set_aside_and_the_second_serves(string what, string find, string replace)
    {
        var dir = Directory.CreateTempSubdirectory("stork-hostile-").FullName;
        try
        {
            TransferKit.CopyTree(repo.PublicDir, dir);
            var timestamp = Path.Combine(dir, "metadata", "timestamp.json");
            File.WriteAllBytes(timestamp, Malform(File.ReadAllBytes(timestamp), find, replace));
            using var bad = new NginxServer(dir);
            using var host = HostWithMirrors(bad);
            AssertRefreshFailsOver(host, bad, what);
            Assert.Contains(bad.Requests(), l => l.StartsWith("GET /metadata/timestamp.json", StringComparison.Ordinal));
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_set_aside_too()
    {
        var dir = Directory.CreateTempSubdirectory("stork-hostile-").FullName;
        try
        {
            TransferKit.CopyTree(repo.PublicDir, dir);
            var timestamp = Path.Combine(dir, "metadata", "timestamp.json");
            var bytes = File.ReadAllBytes(timestamp).ToList();
            int at = Encoding.UTF8.GetString(bytes.ToArray()).IndexOf("\"timestamp\"", StringComparison.Ordinal) + 5;
            bytes.Insert(at, 0xff);
            File.WriteAllBytes(timestamp, bytes.ToArray());
            using var bad = new NginxServer(dir);
            using var host = HostWithMirrors(bad);
            AssertRefreshFailsOver(host, bad, "invalid UTF-8");
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://127.0.0.2:9/metadata/timestamp.json")]
    [InlineData("ftp://127.0.0.1/metadata/timestamp.json")]
    public void A_redirect_off_the_mirror_is_set_aside(string target)
    {
        using var bad = new NginxServer(repo.PublicDir, locations: $"location = /metadata/timestamp.json {{ return 302 {target}; }}\nlocation / {{ }}");
        using var host = HostWithMirrors(bad);
        AssertRefreshFailsOver(host, bad, target);
    }

    [Fact]
    public void An_endless_timestamp_is_set_aside()
    {
        var dir = Directory.CreateTempSubdirectory("stork-hostile-").FullName;
        try
        {
            TransferKit.CopyTree(repo.PublicDir, dir);
            File.WriteAllBytes(Path.Combine(dir, "metadata", "timestamp.json"), new byte[1 << 20]);
            using var bad = new NginxServer(dir);
            using var host = HostWithMirrors(bad);
            AssertRefreshFailsOver(host, bad, "endless");
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
    }

    [Fact]
    public void With_only_a_malformed_mirror_refresh_is_a_repository_error_not_a_bug()
    {
        var dir = Directory.CreateTempSubdirectory("stork-hostile-").FullName;
        try
        {
            TransferKit.CopyTree(repo.PublicDir, dir);
            var timestamp = Path.Combine(dir, "metadata", "timestamp.json");
            File.WriteAllBytes(timestamp, Malform(File.ReadAllBytes(timestamp), "\"spec_version\":", "\"x\":1e400,\"spec_version\":"));
            using var bad = new NginxServer(dir);
            using var host = TransferKit.HostWithGuests(bad.BaseUrl, repo.RootFile);
            var refresh = host.Get("refresh");
            Assert.True(refresh.ExitCode == 3, refresh.ToString());
            Assert.Contains("error:", refresh.Stderr);
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
    }
}
