using Stork.Client.Fetching;
using Stork.Client.Tuf;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Client.Tests.Tuf;

/// <summary>
/// A publisher's repository served by an in-memory fetcher that logs every metadata file asked for, and a host
/// store pinned to its version 1 root: the updater's requests can be counted without a web server.
/// </summary>
internal sealed class ServedRepository : IFetcher, IDisposable
{
    public static readonly Uri BaseUrl = new("http://repo.test/");
    private readonly string _root = Directory.CreateTempSubdirectory("stork-updater-test-").FullName;

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public RepositoryProject Project { get; }
    public LocalMetadataStore Store { get; }

    /// <summary>Metadata file names fetched (a 404 included), in order.</summary>
    public List<string> Requested { get; } = [];

    /// <summary>Served instead of the publisher's file of that name (what a mirror or an attacker may do).</summary>
    public Dictionary<string, byte[]> Overrides { get; } = new(StringComparer.Ordinal);

    public ServedRepository(RepositorySettings? settings = null)
    {
        Project = RepositoryProject.Init(Path.Combine(_root, "repo"), Clock, settings);
        Store = new LocalMetadataStore(Path.Combine(_root, "host", "metadata"));
        Store.Write(RoleNames.Root, File.ReadAllBytes(Path.Combine(Project.MetadataDir, "1.root.json")));
    }

    public Updater Updater(TimeSpan rootCheckInterval)
        => new(BaseUrl, Store, this, Clock, UpdaterLimits.Default with { RootCheckInterval = rootCheckInterval });

    /// <summary>Refreshes and returns the metadata files this refresh asked for.</summary>
    public async Task<(RefreshResult Result, List<string> Requested)> RefreshAsync(TimeSpan rootCheckInterval)
    {
        int before = Requested.Count;
        var (_, result) = await Updater(rootCheckInterval).RefreshAsync(CancellationToken.None);
        Assert.Equal(result.Requests, Requested.Count - before);
        return (result, Requested.Skip(before).ToList());
    }

    public Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
    {
        var relative = BaseUrl.MakeRelativeUri(url).OriginalString;
        var name = relative[(RepositoryLayout.MetadataDir.Length + 1)..];
        Requested.Add(name);
        if (Overrides.TryGetValue(name, out var bytes)) return Task.FromResult(bytes);
        var path = Path.Combine(Project.PublicDir, relative);
        if (!File.Exists(path)) throw new NotFoundException(url);
        return Task.FromResult(File.ReadAllBytes(path));
    }

    public Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation)
        => throw new NotSupportedException("these tests fetch metadata only");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
