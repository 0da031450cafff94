using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stork.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Stork.Integration.Tests.Transfers;

/// <summary>Helpers shared by the transfer tests: hosts with guests, stork.json edits, blob facts.</summary>
internal static class TransferKit
{
    public static TestHost HostWithGuests(Uri repository, string rootFile, params string[] guests)
    {
        var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repository.ToString(), "--root", rootFile), "init");
        foreach (var guest in guests)
            PublishedRepository.Expect(host.Get("guest", "add", guest, "--root", host.GuestRoot(guest)), $"guest add {guest}");
        return host;
    }

    public static string ConfigFile(TestHost host) => Path.Combine(host.Home, "config", "stork.json");

    /// <summary>Adds fields to the host's stork.json.</summary>
    public static void Configure(TestHost host, JsonObject extra)
    {
        var json = JsonNode.Parse(File.ReadAllText(ConfigFile(host)))!.AsObject();
        foreach (var (key, value) in extra.ToList()) { extra.Remove(key); json[key] = value; }
        File.WriteAllText(ConfigFile(host), json.ToJsonString());
    }

    public static JsonArray Mirrors(params (Uri Url, int Priority)[] mirrors)
        => new(mirrors.Select(m => (JsonNode)new JsonObject { ["url"] = m.Url.ToString(), ["priority"] = m.Priority }).ToArray());

    public static string InstallArgsFor(string[] guests, out string[] args, params string[] packages)
    {
        args = ["install", .. guests.SelectMany(g => new[] { "--guest", g }), .. packages];
        return string.Join(' ', args);
    }

    public static string BusyboxBlob(string publicDir)
        => Directory.GetFiles(Path.Combine(publicDir, "targets", "packages", "busybox"), "*.stork").Single();

    public static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}

/// <summary>(a) A site cache (nginx proxy_cache with proxy_cache_lock) in front of the origin: the origin serves each file once.</summary>
public sealed class SiteCacheTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    public static string SiteCacheHttp(string dir) =>
        $"proxy_cache_path {dir}/site-cache levels=1:2 keys_zone=stork:10m max_size=1g inactive=30d use_temp_path=off;";

    /// <summary>The site-cache locations of format-spec/SERVING.md, pointed at one origin.</summary>
    public static string SiteCacheLocations(Uri origin) => $$"""
        proxy_cache stork;
        proxy_cache_lock on;
        proxy_cache_lock_timeout 120s;
        proxy_cache_lock_age 120s;
        proxy_cache_use_stale updating error timeout;
        proxy_cache_key $uri;
        add_header X-Cache $upstream_cache_status;
        location = /metadata/timestamp.json {
            proxy_pass {{origin.GetLeftPart(UriPartial.Authority)}};
            proxy_ignore_headers Cache-Control Expires;
            proxy_cache_valid 200 5s;
            proxy_cache_lock_timeout 200ms;
        }
        location /metadata/ {
            proxy_pass {{origin.GetLeftPart(UriPartial.Authority)}};
            proxy_cache_valid 200 30d;
            proxy_cache_valid 404 30s;
            proxy_cache_lock_timeout 200ms;
        }
        location / {
            proxy_pass {{origin.GetLeftPart(UriPartial.Authority)}};
            proxy_cache_valid 200 30d;
            proxy_cache_valid 404 30s;
        }
        """;

    [Fact]
    public async Task Three_hosts_with_four_guests_each_make_one_origin_request_per_file()
    {
        var dir = Directory.CreateTempSubdirectory("stork-sitecache-").FullName;
        using var cache = new NginxServer(dir, extraHttpConfig: SiteCacheHttp(dir), locations: SiteCacheLocations(repo.Nginx.BaseUrl));
        string[] guests = ["g1", "g2", "g3", "g4"];
        var hosts = Enumerable.Range(0, 3).Select(_ => TransferKit.HostWithGuests(cache.BaseUrl, repo.RootFile, guests)).ToList();
        try
        {
            var before = repo.Nginx.Requests().Count;
            TransferKit.InstallArgsFor(guests, out var args, "hello");
            var results = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.Get([.. args, "--json"]))));
            foreach (var r in results) Assert.True(r.ExitCode == 0, r.ToString());
            foreach (var h in hosts)
                foreach (var g in guests) Assert.True(File.Exists(Path.Combine(h.GuestRoot(g), "bin", "busybox")));

            var origin = repo.Nginx.Requests().Skip(before).Select(l => l.Split(' ')).ToList();
            var blobs = origin.Where(l => l[1].StartsWith("/targets/", StringComparison.Ordinal)).ToList();
            var versioned = origin.Where(l => Regex.IsMatch(l[1], @"^/metadata/[0-9]+\.")).ToList();
            Assert.Equal(3, blobs.Count);                                   // hello, busybox, greet-data: once each
            Assert.Equal(blobs.Count, blobs.Select(l => l[1]).Distinct().Count());
            Assert.NotEmpty(versioned);
            foreach (var group in versioned.GroupBy(l => l[1]))
                Assert.True(group.Count() == 1, $"{group.Key} reached the origin {group.Count()} times:\n{string.Join('\n', origin.Select(l => string.Join(' ', l)))}");
            Assert.Contains(versioned, l => l[1].EndsWith(".snapshot.json", StringComparison.Ordinal));
            Assert.Contains(versioned, l => l[1].EndsWith(".targets.json", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var h in hosts) h.Dispose();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>(b) Mirror failover: corrupt, stalled and good mirrors; and every mirror bad.</summary>
public sealed class FailoverTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private (NginxServer Nginx, string Dir) CorruptMirror()
    {
        var dir = Directory.CreateTempSubdirectory("stork-corrupt-").FullName;
        TransferKit.CopyTree(repo.PublicDir, dir);
        var blob = TransferKit.BusyboxBlob(dir);
        var bytes = File.ReadAllBytes(blob);
        bytes[bytes.Length / 2] ^= 0xFF;      // same length, wrong hash
        File.WriteAllBytes(blob, bytes);
        return (new NginxServer(dir), dir);
    }

    [Fact]
    public void Corrupt_then_stalled_then_good_mirror_installs_and_reports_the_bad_one()
    {
        var (bad, dir) = CorruptMirror();
        using var _ = bad;
        using var silent = new SilentListener();
        using var host = TransferKit.HostWithGuests(repo.Nginx.BaseUrl, repo.RootFile, "vm");
        TransferKit.Configure(host, new JsonObject
        {
            ["mirrors"] = TransferKit.Mirrors((bad.BaseUrl, 1), (silent.BaseUrl, 2), (repo.Nginx.BaseUrl, 3)),
            ["fetch"] = new JsonObject { ["stall_timeout_seconds"] = 2 },
        });
        var goodBefore = repo.Nginx.Requests().Count;

        var install = host.Get("install", "--guest", "vm", "hello", "--no-progress");

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("vm"), "bin", "busybox")));
        Assert.Contains($"mirror {bad.BaseUrl} is set aside", install.Stderr);
        Assert.Single(Regex.Matches(install.Stderr, "set aside"));     // told once
        Assert.Contains(bad.Requests(), l => l.StartsWith("GET /targets/packages/busybox/", StringComparison.Ordinal));
        Assert.True(silent.Connections >= 1, "the stalled mirror was tried");
        Assert.Contains(repo.Nginx.Requests().Skip(goodBefore), l => l.StartsWith("GET /targets/packages/busybox/", StringComparison.Ordinal) && l.Contains(" 200 "));
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Metadata_that_does_not_verify_on_one_mirror_is_fetched_from_the_next()
    {
        var dir = Directory.CreateTempSubdirectory("stork-badmeta-").FullName;
        TransferKit.CopyTree(repo.PublicDir, dir);
        var timestamp = Path.Combine(dir, "metadata", "timestamp.json");
        var json = JsonNode.Parse(File.ReadAllText(timestamp))!;
        json["signed"]!["version"] = json["signed"]!["version"]!.GetValue<long>() + 1;   // signature no longer matches
        File.WriteAllText(timestamp, json.ToJsonString());
        using var bad = new NginxServer(dir);
        using var host = TransferKit.HostWithGuests(bad.BaseUrl, repo.RootFile, "vm");
        TransferKit.Configure(host, new JsonObject { ["mirrors"] = TransferKit.Mirrors((repo.Nginx.BaseUrl, 1)) });

        var refresh = host.Get("refresh", "--json");

        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        Assert.Contains($"mirror {bad.BaseUrl} is set aside", refresh.Stderr);
        Assert.Contains(bad.Requests(), l => l.StartsWith("GET /metadata/timestamp.json 200", StringComparison.Ordinal));
        Assert.NotNull(JsonNode.Parse(refresh.Stdout));
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Every_mirror_bad_fails_cleanly_with_a_typed_error_and_leaves_the_guest_alone()
    {
        var (bad, dir) = CorruptMirror();
        using var _ = bad;
        using var silent = new SilentListener();
        using var host = TransferKit.HostWithGuests(bad.BaseUrl, repo.RootFile, "vm");
        TransferKit.Configure(host, new JsonObject
        {
            ["mirrors"] = TransferKit.Mirrors((silent.BaseUrl, 5)),
            ["fetch"] = new JsonObject { ["stall_timeout_seconds"] = 2 },
        });

        var install = host.Get("install", "--guest", "vm", "hello", "--json");

        Assert.True(install.ExitCode is 3 or 4, install.ToString());    // untrusted data / unreachable, never a crash
        // Under --json the error is one JSON object on stdout with the same code; the mirror notices stay on stderr.
        var error = JsonNode.Parse(install.Stdout)!["error"]!;
        Assert.Equal(install.ExitCode, (int)error["code"]!);
        Assert.Contains("no mirror served it", (string)error["message"]!);
        Assert.Contains(bad.BaseUrl.ToString(), install.Stderr + install.Stdout);
        Assert.Contains(silent.BaseUrl.ToString(), install.Stderr + install.Stdout);
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("vm"), "bin", "busybox")));
        var list = host.Get("list", "--guest", "vm", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.DoesNotContain("hello", list.Stdout);
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>(c) An interrupted blob download resumes with a Range request instead of starting over.</summary>
public sealed class ResumeTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    [Fact]
    public void A_cut_download_resumes_with_range_and_fetches_less_than_one_and_a_half_blobs()
    {
        var blobLength = new FileInfo(TransferKit.BusyboxBlob(repo.PublicDir)).Length;
        using var proxy = new CuttingProxy(repo.Nginx.BaseUrl) { CutMarker = "GET /targets/packages/busybox/", CutAfter = blobLength / 2 };
        using var host = TransferKit.HostWithGuests(proxy.BaseUrl, repo.RootFile, "vm");
        var before = repo.Nginx.Requests().Count;

        var first = host.Get("install", "--guest", "vm", "hello", "--no-progress");
        Assert.True(first.ExitCode == 4, first.ToString());
        Assert.False(proxy.Armed, "the proxy cut the busybox download");
        var parts = Directory.GetFiles(Path.Combine(host.Home, "cache", "blobs", "sha256"), "*.part");
        Assert.Single(parts);
        Assert.InRange(new FileInfo(parts[0]).Length, 1, blobLength - 1);
        Assert.False(File.Exists(Path.Combine(host.GuestRoot("vm"), "bin", "busybox")));

        var second = host.Get("install", "--guest", "vm", "hello", "--no-progress");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(File.Exists(Path.Combine(host.GuestRoot("vm"), "bin", "busybox")));

        var busyboxGets = repo.Nginx.Requests().Skip(before).Where(l => l.StartsWith("GET /targets/packages/busybox/", StringComparison.Ordinal)).ToList();
        Assert.Contains(busyboxGets, l => l.Contains(" 206 ") && l.Contains("range=bytes="));
        Assert.True(proxy.MarkedBytes < 1.5 * blobLength, $"{proxy.MarkedBytes} bytes delivered for a {blobLength}-byte blob");
    }
}

/// <summary>
/// (d) A refresh of an unchanged repository costs one small request, the timestamp: within the root check interval
/// (default 3600 s) the N+1.root.json probe is skipped when nothing is new. With the interval set to 0 (strict TUF)
/// the probe (a 404) is added.
/// </summary>
public sealed class RefreshCostTests(PublishedRepository repo, ITestOutputHelper output) : IClassFixture<PublishedRepository>
{
    [Fact]
    public void Unchanged_repository_refresh_is_one_small_request()
    {
        using var host = TransferKit.HostWithGuests(repo.Nginx.BaseUrl, repo.RootFile);
        PublishedRepository.Expect(host.Get("refresh", "--json"), "first refresh");

        var lines = RefreshAgain(host);

        var only = Assert.Single(lines);
        Assert.Equal(["/metadata/timestamp.json", "200"], only[1..3]);
        Assert.True(long.Parse(only[3]) < 2048, $"{only[3]} bytes");
    }

    [Fact]
    public void With_root_check_interval_zero_every_refresh_also_probes_the_root()
    {
        using var host = TransferKit.HostWithGuests(repo.Nginx.BaseUrl, repo.RootFile);
        TransferKit.Configure(host, new JsonObject { ["root_check_interval_seconds"] = 0 });
        PublishedRepository.Expect(host.Get("refresh", "--json"), "first refresh");

        var lines = RefreshAgain(host);

        Assert.Equal(2, lines.Count);
        Assert.Matches(@"^/metadata/[0-9]+\.root\.json$", lines[0][1]);
        Assert.Equal("404", lines[0][2]);
        Assert.Equal(["/metadata/timestamp.json", "200"], lines[1][1..3]);
        Assert.True(lines.Sum(l => long.Parse(l[3])) < 2048, $"{lines.Sum(l => long.Parse(l[3]))} bytes");
    }

    /// <summary>Runs one more refresh and returns the requests nginx logged for it (method, path, status, body bytes).</summary>
    private List<string[]> RefreshAgain(TestHost host)
    {
        var before = repo.Nginx.Requests().Count;
        var refresh = host.Get("refresh", "--json");
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        Assert.NotNull(JsonNode.Parse(refresh.Stdout));
        var lines = repo.Nginx.Requests().Skip(before).Select(l => l.Split(' ')).ToList();
        output.WriteLine($"unchanged refresh: {lines.Count} request(s), {lines.Sum(l => long.Parse(l[3]))} body bytes");
        foreach (var line in lines) output.WriteLine("  " + string.Join(' ', line));
        return lines;
    }
}
