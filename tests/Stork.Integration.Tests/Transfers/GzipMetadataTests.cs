using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Stork.Client.Fetching;
using Stork.Client.Tuf;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Integration.Tests.Support;
using Stork.Publishing.Repository;

namespace Stork.Integration.Tests.Transfers;

/// <summary>
/// Metadata over the wire as gzip (nginx gzip_static, SERVING.md): decoded and checked on the decoded bytes, with
/// the decoded size bounded by the limit, and bad gzip a repository error.
/// </summary>
public sealed class GzipMetadataTests : IDisposable
{
    private const string GzipLocations = """
        location /metadata/ { gzip_static on; gzip_vary on; }
        location / { }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("stork-gzip-").FullName;

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    private void Put(string name, byte[] plain, byte[]? gz)
    {
        var path = Path.Combine(_dir, "metadata", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, plain);
        if (gz is not null) File.WriteAllBytes(path + ".gz", gz);
    }

    private static long BytesSent(NginxServer nginx, string uri)
        => nginx.Requests().Where(l => l.Split(' ')[1] == uri).Sum(l => long.Parse(l.Split(' ')[3]));

    [Fact]
    public async Task Gzip_metadata_arrives_decoded_and_costs_a_fraction_of_the_bytes()
    {
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 4000).Select(i => $"{{\"packages/p{i}\":{{\"length\":{i},\"hashes\":{{\"sha256\":\"{i:x64}\"}}}}}},")));
        Put("7.bins-00.json", plain, Gzip(plain));
        using var nginx = new NginxServer(_dir, locations: GzipLocations);
        using var fetcher = new HttpFetcher();
        var got = await fetcher.FetchAsync(new Uri(nginx.BaseUrl, "metadata/7.bins-00.json"), plain.Length, CancellationToken.None);
        Assert.Equal(plain, got);
        var sent = BytesSent(nginx, "/metadata/7.bins-00.json");
        Assert.True(sent * 4 < plain.Length, $"{sent} bytes sent for {plain.Length}");
    }

    [Fact]
    public async Task A_gzip_that_decodes_past_the_limit_is_refused_without_decoding_it_all()
    {
        // 64 MiB of zeros compress to about 64 KiB: decoding stops at the limit, not at the end.
        var bomb = Gzip(new byte[64 << 20]);
        Put("bomb.json", "{}"u8.ToArray(), bomb);
        using var nginx = new NginxServer(_dir, locations: GzipLocations);
        using var fetcher = new HttpFetcher();
        var error = await Assert.ThrowsAsync<ContentMismatchException>(() =>
            fetcher.FetchAsync(new Uri(nginx.BaseUrl, "metadata/bomb.json"), 100_000, CancellationToken.None));
        Assert.Contains("once decoded", error.Message);
    }

    [Fact]
    public async Task Damaged_gzip_is_a_repository_error()
    {
        var plain = Encoding.UTF8.GetBytes(new string('x', 5000));
        var gz = Gzip(plain);
        for (int i = 20; i < gz.Length - 8; i++) gz[i] ^= 0x5a;
        Put("bad.json", plain, gz);
        using var nginx = new NginxServer(_dir, locations: GzipLocations);
        using var fetcher = new HttpFetcher();
        await Assert.ThrowsAnyAsync<RepositoryException>(() =>
            fetcher.FetchAsync(new Uri(nginx.BaseUrl, "metadata/bad.json"), plain.Length, CancellationToken.None));
    }

    [Fact]
    public async Task A_published_repository_refreshes_over_gzip_and_checks_the_decoded_bytes()
    {
        var project = RepositoryProject.Init(Path.Combine(_dir, "repo"), TimeProvider.System);
        project.ConvertToHashBins(16);
        var blob = Path.Combine(_dir, "blob");
        File.WriteAllText(blob, "hello");
        var info = new JsonObject { ["name"] = "hello", ["version"] = "1.0.0" };
        project.AddTarget(RepositoryLayout.PackageTarget("hello", "1.0.0"), blob, new JsonObject { ["stork"] = info });
        project.Publish();
        var store = new LocalMetadataStore(Path.Combine(_dir, "host"));
        store.Write(RoleNames.Root, File.ReadAllBytes(Path.Combine(project.MetadataDir, "1.root.json")));
        using var nginx = new NginxServer(project.PublicDir, locations: GzipLocations);
        using var fetcher = new HttpFetcher();
        var (trusted, result) = await new Updater(nginx.BaseUrl, store, fetcher, TimeProvider.System).RefreshAsync(CancellationToken.None);
        Assert.Equal(16, trusted.LoadedTargetRoles.Count() - 1);
        // What the updater counted is decoded bytes; the wire carried less.
        var wire = nginx.Requests().Where(l => l.Contains("/metadata/") && !l.Contains("timestamp")).Sum(l => long.Parse(l.Split(' ')[3]));
        Assert.True(wire < result.BytesDownloaded, $"wire {wire} vs decoded {result.BytesDownloaded}");

        // A .gz that decodes to other bytes than the signed ones is refused like any bad metadata.
        var snapshot = Path.Combine(project.MetadataDir, $"{trusted.Snapshot!.Header.Version}.snapshot.json");
        project.AddTarget(RepositoryLayout.PackageTarget("other", "1.0.0"), blob, new JsonObject { ["stork"] = new JsonObject { ["name"] = "other", ["version"] = "1.0.0" } });
        project.Publish();
        var next = Path.Combine(project.MetadataDir, $"{trusted.Snapshot.Header.Version + 1}.snapshot.json");
        var forged = Encoding.UTF8.GetString(File.ReadAllBytes(next)).Replace("\"expires\":\"", "\"expires\":\"1");
        File.WriteAllBytes(next + ".gz", Gzip(Encoding.UTF8.GetBytes(forged)));
        await Assert.ThrowsAnyAsync<RepositoryException>(() => new Updater(nginx.BaseUrl, store, fetcher, TimeProvider.System).RefreshAsync(CancellationToken.None));
        // Nothing unverified was kept: the host still holds the snapshot it had.
        Assert.Equal(File.ReadAllBytes(snapshot), store.Read(RoleNames.Snapshot));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
