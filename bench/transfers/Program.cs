using System.Diagnostics;
using System.Text.Json.Nodes;
using Stork.Bench.Transfers;
using Stork.Client.Guests;
using Stork.Client.Operations;
using Stork.Client.State;
using Stork.Format.Metadata;
using Stork.Publishing.Building;
using Stork.Publishing.Repository;

// Transfers benchmark (not in CI). See README in RESULTS.md.
bool json = args.Contains("--json");
int hosts = ArgValue("--hosts", 5);
int packages = ArgValue("--packages", 60_000);
int bins = ArgValue("--bins", 256);
long wanRate = ArgValue("--wan-mbps", 8) * 1024L * 1024;       // shared site<->origin link, bytes/s
const string OriginLimitRate = "16m";                           // nginx limit_rate per connection at the origin
var work = Directory.CreateTempSubdirectory("stork-bench-transfers-").FullName;
var time = TimeProvider.System;
void Note(string s) { if (!json) Console.Error.WriteLine(s); }

try
{
    // ---- T1/T2: a new 10 MB package, H hosts, direct from the origin vs through a site cache ----
    var repo = RepositoryProject.Init(Path.Combine(work, "repo"), time);
    var big = BuildPackage(Path.Combine(work, "src-big"), "bigdata", "1.0.0", 10 * 1024 * 1024);
    repo.AddPackage(big.Path, big.Manifest.Name, big.Manifest.Version, big.Manifest.Info.ToJsonNode().AsObject());
    repo.Publish();
    var rootFile = Path.Combine(repo.MetadataDir, "1.root.json");

    using var origin = new Nginx(repo.PublicDir, $$"""
        limit_rate {{OriginLimitRate}};
        location = /metadata/timestamp.json { add_header Cache-Control "public, max-age=60"; }
        location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
        """);
    using var wan = new WanLink(origin.BaseUrl, wanRate);
    var cacheDir = Directory.CreateTempSubdirectory("stork-bench-sitecache-").FullName;
    using var siteCache = new Nginx(cacheDir, $$"""
        proxy_cache stork; proxy_cache_key $uri; proxy_cache_lock on; proxy_cache_lock_timeout 300s; proxy_cache_lock_age 300s;
        location = /metadata/timestamp.json { proxy_pass {{wan.BaseUrl.GetLeftPart(UriPartial.Authority)}}; proxy_ignore_headers Cache-Control Expires; proxy_cache_valid 200 5s; }
        location / { proxy_pass {{wan.BaseUrl.GetLeftPart(UriPartial.Authority)}}; proxy_cache_valid 200 30d; proxy_cache_valid 404 30s; }
        """, $"proxy_cache_path {cacheDir}/c levels=1:2 keys_zone=stork:10m max_size=2g inactive=1d use_temp_path=off;");

    Note($"origin: nginx limit_rate {OriginLimitRate} per connection, behind a WAN link of {wanRate / 1024 / 1024} MiB/s shared by all connections; {hosts} hosts; package 10 MiB");
    var (directBytes, directTime) = await RunHostsAsync("direct", wan.BaseUrl);
    var (cachedBytes, cachedTime) = await RunHostsAsync("cached", siteCache.BaseUrl);
    Report("T1", "origin bytes, H hosts install a new 10 MiB package (site cache vs direct)", cachedBytes, directBytes, "bytes");
    Report("T2", "completion time of all H hosts (site cache vs direct)", cachedTime, directTime, "s");

    async Task<(long Bytes, double Seconds)> RunHostsAsync(string label, Uri url)
    {
        var paths = Enumerable.Range(0, hosts).Select(i => NewHost(Path.Combine(work, $"{label}-{i}"), url)).ToList();
        var before = origin.Log().Count;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(paths.Select(p => Task.Run(() => InstallAsync(p, "bigdata"))));
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(300);   // let nginx flush its log line
        var bytes = origin.BytesSent(before);
        Note($"{label}: {hosts} hosts in {seconds:0.00}s, origin sent {bytes} bytes");
        return (bytes, seconds);
    }

    HostPaths NewHost(string dir, Uri url)
    {
        var paths = new HostPaths(Path.Combine(dir, "state"), Path.Combine(dir, "cache"), Path.Combine(dir, "config"));
        HostSession.Init(paths, url.ToString(), rootFile, time);
        using var db = HostDatabase.Open(paths);
        new GuestRegistry(db).AddGuest("g", Path.Combine(dir, "guest"));
        return paths;
    }

    // ---- T3: one package changes in a repository of N packages over hash bins ----
    var binsRepo = RepositoryProject.Init(Path.Combine(work, "bins-repo"), time);
    binsRepo.ConvertToHashBins(bins);
    var tiny = BuildPackage(Path.Combine(work, "src-tiny"), "tiny", "1.0.0", 64);
    binsRepo.AddPackage(tiny.Path, "tiny", "1.0.0", tiny.Manifest.Info.ToJsonNode().AsObject());
    var info = tiny.Manifest.Info.ToJsonNode().AsObject();
    var sha = Stork.Format.Crypto.Hashing.Sha256HexOfFile(tiny.Path);
    var length = new FileInfo(tiny.Path).Length;
    var pending = new JsonObject();
    for (int i = 0; i < packages - 1; i++)
    {
        var name = $"pkg{i:D5}";
        var custom = (JsonObject)info.DeepClone();
        custom["name"] = name;
        pending[RepositoryLayout.PackageTarget(name, "1.0.0")] = new TargetFile(length, new Dictionary<string, string> { ["sha256"] = sha }, new JsonObject { ["stork"] = custom }).ToJson();
    }
    // Queue the fake entries next to the real one (same blob bytes, small): the publisher spreads them over the bins.
    var pendingPath = Path.Combine(binsRepo.Directory, RepositoryProject.PendingFile);
    var queued = JsonNode.Parse(File.ReadAllText(pendingPath))!.AsObject();
    if (queued["roles"] is JsonObject roles)
    {
        foreach (var (_, entries) in roles) foreach (var (k, v) in ((JsonObject)entries!).ToList()) pending[k] = v!.DeepClone();
    }
    File.WriteAllText(pendingPath, pending.ToJsonString());
    var clockPublish = Stopwatch.StartNew();
    binsRepo.Publish();
    Note($"published {packages} packages over {bins} bins in {clockPublish.Elapsed.TotalSeconds:0.0}s");
    using var binsOrigin = new Nginx(binsRepo.PublicDir, "location / { }");
    var host = NewHostFor(Path.Combine(work, "bins-host"), binsOrigin.BaseUrl, Path.Combine(binsRepo.MetadataDir, "1.root.json"));
    var skip = binsOrigin.Log().Count;
    await RefreshAsync(host);
    await Task.Delay(300);
    var full = binsOrigin.BytesSent(skip);
    var tiny2 = BuildPackage(Path.Combine(work, "src-tiny2"), "tiny", "1.0.1", 80);
    binsRepo.AddPackage(tiny2.Path, "tiny", "1.0.1", tiny2.Manifest.Info.ToJsonNode().AsObject());
    binsRepo.Publish();
    skip = binsOrigin.Log().Count;
    await RefreshAsync(host);
    await Task.Delay(300);
    var incremental = binsOrigin.BytesSent(skip);
    Note($"full index fetch {full} bytes; after one package changed {incremental} bytes ({binsOrigin.Log().Count - skip} requests)");
    Report("T3", $"bytes to refresh after one package changed, {packages} packages over {bins} hash bins (vs a full index fetch)", incremental, full, "bytes");
}
finally
{
    try { Directory.Delete(work, true); } catch (Exception) { }
}

HostPaths NewHostFor(string dir, Uri url, string root)
{
    var paths = new HostPaths(Path.Combine(dir, "state"), Path.Combine(dir, "cache"), Path.Combine(dir, "config"));
    HostSession.Init(paths, url.ToString(), root, TimeProvider.System);
    return paths;
}

static async Task RefreshAsync(HostPaths paths)
{
    using var session = HostSession.Open(paths);
    await session.RefreshAsync(CancellationToken.None);
}

static async Task InstallAsync(HostPaths paths, string package)
{
    using var db = HostDatabase.Open(paths);
    using var session = HostSession.Open(paths);
    await new PackageOperations(session, new GuestInstaller(paths, db)).InstallAsync("g", [package], dryRun: false, CancellationToken.None);
}

static BuiltPackage BuildPackage(string source, string name, string version, int size)
{
    Directory.CreateDirectory(Path.Combine(source, "usr", "share", name));
    var bytes = new byte[size];
    Random.Shared.NextBytes(bytes);                      // incompressible
    File.WriteAllBytes(Path.Combine(source, "usr", "share", name, "data.bin"), bytes);
    File.WriteAllText(Path.Combine(source, "stork-build.json"), new JsonObject { ["name"] = name, ["version"] = version, ["summary"] = $"{name} benchmark data" }.ToJsonString());
    var output = Path.Combine(source, "..", "out-" + name + version);
    return PackageBuilder.Build(source, output);
}

void Report(string measure, string what, double ours, double baseline, string unit)
{
    var ratio = baseline == 0 ? 0 : ours / baseline;
    if (json)
        Console.WriteLine(new JsonObject { ["measure"] = measure, ["ours"] = Math.Round(ours, 3), ["baseline"] = Math.Round(baseline, 3), ["ratio"] = Math.Round(ratio, 4), ["unit"] = unit, ["what"] = what }.ToJsonString());
    else
        Console.WriteLine($"{measure}: {what}: ours {ours:0.###} {unit}, baseline {baseline:0.###} {unit}, ratio {ratio:0.####}");
}

int ArgValue(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
