using Stork.Client.Config;
using Stork.Client.Fetching;
using Stork.Format.Errors;

namespace Stork.Integration.Tests.Transfers;

/// <summary>Failover rules of <see cref="MirrorFetcher"/> against a scripted fetcher (no network).</summary>
public sealed class MirrorFetcherTests
{
    private sealed class Scripted(Func<Uri, Exception?> behaviour) : IFetcher
    {
        public List<Uri> Calls { get; } = [];
        public Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
        {
            lock (Calls) Calls.Add(url);
            return behaviour(url) is { } e ? Task.FromException<byte[]>(e) : Task.FromResult("ok"u8.ToArray());
        }
        public Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation)
        {
            lock (Calls) Calls.Add(url);
            return behaviour(url) is { } e ? Task.FromException(e) : Task.CompletedTask;
        }
    }

    private static readonly Uri A = new("http://a.example/"), B = new("http://b.example/repo/"), C = new("http://c.example/");

    [Fact]
    public void Mirrors_are_ordered_by_priority_with_the_repository_at_zero()
    {
        var order = MirrorFetcher.Order(B, [new Mirror(A, 5), new Mirror(C, -1)]);
        Assert.Equal([C, B, A], order);
        Assert.Equal([A, B], MirrorFetcher.Order(B, [new Mirror(A, 1), new Mirror(B, 2)]));
    }

    [Fact]
    public async Task Bad_data_sets_a_mirror_aside_once_and_the_next_one_serves()
    {
        var notices = new List<string>();
        var inner = new Scripted(u => u.Host == "a.example" ? new ContentMismatchException("hash") : u.Host == "b.example" ? new FetchException("stalled") : null);
        var fetcher = new MirrorFetcher(A, [A, B, C], inner, notices.Add);
        await fetcher.FetchToFileAsync(new Uri(A, "targets/x.stork"), 1, new Dictionary<string, string> { ["sha256"] = "00" }, "/nonexistent", CancellationToken.None);
        await fetcher.FetchToFileAsync(new Uri(A, "targets/y.stork"), 1, new Dictionary<string, string> { ["sha256"] = "00" }, "/nonexistent", CancellationToken.None);
        Assert.Equal(["http://a.example/targets/x.stork", "http://b.example/repo/targets/x.stork", "http://c.example/targets/x.stork", "http://c.example/targets/y.stork"],
            inner.Calls.Select(u => u.ToString()));
        Assert.Single(notices);
        Assert.Contains("a.example", notices[0]);
        Assert.Equal(2, fetcher.UsableCount);
    }

    [Fact]
    public async Task A_404_for_the_root_probe_is_an_answer_but_not_for_other_files()
    {
        var inner = new Scripted(u => u.Host == "a.example" ? new NotFoundException(u) : null);
        var fetcher = new MirrorFetcher(A, [A, B], inner);
        await Assert.ThrowsAsync<NotFoundException>(() => fetcher.FetchAsync(new Uri(A, "metadata/2.root.json"), 10, CancellationToken.None));
        Assert.Single(inner.Calls);
        var bytes = await fetcher.FetchAsync(new Uri(A, "metadata/timestamp.json"), 10, CancellationToken.None);
        Assert.Equal("ok"u8.ToArray(), bytes);
        Assert.Equal("http://b.example/repo/metadata/timestamp.json", inner.Calls[^1].ToString());
    }

    [Fact]
    public async Task Every_mirror_failing_raises_the_last_error_type_with_a_line_per_mirror()
    {
        var inner = new Scripted(u => u.Host == "a.example" ? new ContentMismatchException("too long") : new FetchException("HTTP 503"));
        var fetcher = new MirrorFetcher(A, [A, B], inner);
        var error = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync(new Uri(A, "metadata/1.snapshot.json"), 10, CancellationToken.None));
        Assert.Contains("a.example", error.Message);
        Assert.Contains("HTTP 503", error.Message);
        Assert.Equal(ErrorClass.Network, error.Class);
    }

    [Fact]
    public void Config_reads_mirrors_and_parallel_downloads_and_rejects_bad_values()
    {
        var dir = Directory.CreateTempSubdirectory("stork-config-").FullName;
        File.WriteAllText(ClientConfig.PathIn(dir), """{"repository": "http://a.example", "mirrors": [{"url": "http://c.example", "priority": 3}], "parallel_downloads": 8}""");
        var config = ClientConfig.Load(dir);
        Assert.Equal(8, config.ParallelDownloads);
        Assert.Equal([A, C], config.OrderedMirrors);
        File.WriteAllText(ClientConfig.PathIn(dir), """{"repository": "http://a.example", "parallel_downloads": 0}""");
        Assert.Throws<LocalException>(() => ClientConfig.Load(dir));
        File.WriteAllText(ClientConfig.PathIn(dir), """{"repository": "http://a.example", "mirrors": [{"url": "ftp://x"}]}""");
        Assert.Throws<LocalException>(() => ClientConfig.Load(dir));
        File.WriteAllText(ClientConfig.PathIn(dir), """{"repository": "http://a.example"}""");
        Assert.Equal(ClientConfig.DefaultParallelDownloads, ClientConfig.Load(dir).ParallelDownloads);
        Directory.Delete(dir, true);
    }
}
