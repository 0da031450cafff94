using System.Diagnostics;
using System.Text.Json.Nodes;
using Stork.Bench.Transfers;
using Stork.Client.Model;
using Stork.Client.Operations;
using Stork.Client.State;
using Stork.Format.Metadata;
using Stork.Publishing.Building;
using Stork.Publishing.Repository;

// Transfers benchmark (not in CI). See README in RESULTS.md.
bool json = args.Contains("--json");
bool trace = args.Contains("--trace");      // per-host request timeline on stderr
int hosts = ArgValue("--hosts", 5);
int reps = ArgValue("--reps", 3);                                   // T1/T2 repetitions; medians are reported
var sweep = ArgList("--sweep");                                     // more host counts for T1/T2, e.g. --sweep 10,20
int packages = ArgValue("--packages", 60_000);
int bins = ArgValue("--bins", 256);
long wanRate = ArgValue("--wan-mbps", 8) * 1024L * 1024;       // shared site<->origin link, bytes/s
const string OriginLimitRate = "16m";                           // nginx limit_rate per connection at the origin
var work = Directory.CreateTempSubdirectory("stork-bench-transfers-").FullName;
var time = TimeProvider.System;
void Note(string s) { if (!json) Console.Error.WriteLine(s); }
var rows = new List<(string Measure, string What, double Ours, double Baseline, double Ratio, string Unit)>();

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
    var experiment = new SiteCacheExperiment(origin, wan, rootFile, "bigdata", work, trace);

    Note($"origin: nginx limit_rate {OriginLimitRate} per connection, behind a WAN link of {wanRate / 1024 / 1024} MiB/s shared by all connections; package 10 MiB; {reps} rep(s), medians");
    await experiment.RunAsync(1, throughSiteCache: false);    // warm-up (JIT, page cache), not counted: neither side pays it
    foreach (var h in new[] { hosts }.Concat(sweep))
    {
        var direct = new List<SiteCacheExperiment.Outcome>();
        var cached = new List<SiteCacheExperiment.Outcome>();
        for (int rep = 0; rep < reps; rep++)
        {
            direct.Add(await experiment.RunAsync(h, throughSiteCache: false));
            cached.Add(await experiment.RunAsync(h, throughSiteCache: true));
            Note($"H={h} rep {rep + 1}: direct {direct[^1].Seconds:0.00} s, {direct[^1].OriginBytes} origin bytes; site cache {cached[^1].Seconds:0.00} s, {cached[^1].OriginBytes} origin bytes");
        }
        var suffix = h == hosts ? "" : $".H{h}";
        Report("T1" + suffix, $"origin bytes, {h} hosts install a new 10 MiB package (site cache vs direct)",
            Median(cached.Select(o => (double)o.OriginBytes)), Median(direct.Select(o => (double)o.OriginBytes)), "bytes");
        Report("T2" + suffix, $"completion time of all {h} hosts (site cache vs direct), median of {reps}",
            Median(cached.Select(o => o.Seconds)), Median(direct.Select(o => o.Seconds)), "s");
    }

    // ---- T3: one package changes in a repository of N packages over hash bins ----
    if (!args.Contains("--no-t3")) await RunT3Async();   // --no-t3: T1/T2 only (quicker)
    if (!json) PrintTable();
}
finally
{
    try { Directory.Delete(work, true); } catch (Exception) { }
}

async Task RunT3Async()
{
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
    rows.Add((measure, what, ours, baseline, ratio, unit));
    if (json)
        Console.WriteLine(new JsonObject { ["measure"] = measure, ["ours"] = Math.Round(ours, 3), ["baseline"] = Math.Round(baseline, 3), ["ratio"] = Math.Round(ratio, 4), ["unit"] = unit, ["what"] = what }.ToJsonString());
}

void PrintTable()
{
    Console.WriteLine($"| {"Measure",-7} | {"Ours",17} | {"Baseline",17} | {"Ratio",7} | What");
    Console.WriteLine($"|{new string('-', 9)}|{new string('-', 19)}|{new string('-', 19)}|{new string('-', 9)}|------");
    foreach (var r in rows)
        Console.WriteLine($"| {r.Measure,-7} | {$"{r.Ours:#,0.###} {r.Unit}",17} | {$"{r.Baseline:#,0.###} {r.Unit}",17} | {r.Ratio,7:0.####} | {r.What}");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

int[] ArgList(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1].Split(',').Select(int.Parse).ToArray() : [];
}

int ArgValue(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
