using System.Diagnostics;
using Stork.Client.Fetching;
using Stork.Client.Guests;
using Stork.Client.Model;
using Stork.Client.Operations;
using Stork.Client.State;

namespace Stork.Bench.Transfers;

/// <summary>
/// T1/T2: H fresh hosts install one new package at once, each straight from the origin or all through one cold
/// site cache (the config of SERVING.md); both ways cross the same shared WAN link to the rate-limited origin.
/// </summary>
internal sealed class SiteCacheExperiment(Nginx origin, WanLink wan, string rootFile, string package, string work, bool trace)
{
    private int _runs;

    public sealed record Outcome(long OriginBytes, double Seconds);

    public async Task<Outcome> RunAsync(int hosts, bool throughSiteCache)
    {
        var label = $"{(throughSiteCache ? "cached" : "direct")}-{++_runs}";
        var cacheDir = Directory.CreateTempSubdirectory("stork-bench-sitecache-").FullName;
        var (http, server) = ServingDoc.SiteCache(cacheDir, wan.BaseUrl);
        var siteCache = throughSiteCache ? new Nginx(cacheDir, server, http) : null;
        try { return await RunAsync(label, hosts, siteCache); }
        finally
        {
            siteCache?.Dispose();
            try { Directory.Delete(cacheDir, true); } catch (IOException) { }
        }
    }

    private async Task<Outcome> RunAsync(string label, int hosts, Nginx? siteCache)
    {
        var url = siteCache?.BaseUrl ?? wan.BaseUrl;
        var paths = Enumerable.Range(0, hosts).Select(i => NewHost(Path.Combine(work, $"{label}-h{i}"), url)).ToList();

        var originBefore = origin.Log().Count;
        var timeline = new FetchTrace();
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(paths.Select((p, i) => Task.Run(async () =>
        {
            var start = timeline.Now;
            await InstallAsync(p, trace ? timeline.FetcherFor($"h{i}") : null);
            timeline.Add($"h{i}", "whole install", start, double.NaN, timeline.Now);
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(300);   // let nginx flush its log lines
        var bytes = origin.BytesSent(originBefore);
        if (trace)
        {
            timeline.Print(Console.Error, label);
            PrintLog(label, "origin", origin.Log().Skip(originBefore), epoch);
            if (siteCache is not null) PrintLog(label, "site-cache", siteCache.Log(), epoch);
        }
        foreach (var p in paths) try { Directory.Delete(Path.GetDirectoryName(p.StateDir)!, true); } catch (IOException) { }
        return new Outcome(bytes, seconds);
    }

    private HostPaths NewHost(string dir, Uri url)
    {
        var paths = new HostPaths(Path.Combine(dir, "state"), Path.Combine(dir, "cache"), Path.Combine(dir, "config"));
        HostSession.Init(paths, url.ToString(), rootFile, TimeProvider.System);
        using var db = HostDatabase.Open(paths);
        new GuestRegistry(db).AddGuest("g", Path.Combine(dir, "guest"));
        return paths;
    }

    private async Task InstallAsync(HostPaths paths, IFetcher? fetcher)
    {
        using var db = HostDatabase.Open(paths);
        using var session = HostSession.Open(paths, fetcher);
        try { await new PackageOperations(session, new GuestInstaller(paths, db, TimeProvider.System)).InstallAsync("g", [package], dryRun: false, CancellationToken.None); }
        finally { (fetcher as IDisposable)?.Dispose(); }
    }

    /// <summary>Server-side view for --trace: what each request cost, and whether the cache had it (MISS/HIT).</summary>
    private static void PrintLog(string label, string server, IEnumerable<string[]> lines, double epoch)
    {
        foreach (var l in lines)
        {
            double end = double.Parse(l[4]) - epoch, took = double.Parse(l[5]);
            Console.Error.WriteLine($"  {label} {server} log: {l[0]} {l[1]} {l[2]} {l[3]} B, {end - took:0.000}-{end:0.000} s {l[6]}");
        }
    }
}
