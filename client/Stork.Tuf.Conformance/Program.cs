using Stork.Client.Fetching;
using Stork.Client.Tuf;
using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Tuf.Conformance;

// Exit codes follow CLIENT-CLI.md: 0 success, 1 any failure.
try
{
    var arguments = ConformanceArguments.Parse(args);
    var store = new LocalMetadataStore(arguments.MetadataDir!);
    switch (arguments.Command)
    {
        case "init":
            if (arguments.TrustedRoot is null || !File.Exists(arguments.TrustedRoot))
                throw new ArgumentException("init needs the trusted root file");
            // No checks and no requests at init, as the protocol requires; verification starts at refresh.
            store.Write(RoleNames.Root, File.ReadAllBytes(arguments.TrustedRoot));
            return 0;
        case "refresh":
        {
            using var fetcher = new HttpFetcher();
            var updater = CreateUpdater(arguments, store, fetcher);
            await updater.RefreshAsync(loadDelegations: false, CancellationToken.None);
            return 0;
        }
        default:
        {
            if (arguments.TargetNames.Count == 0 || arguments.TargetDir is null || arguments.TargetBaseUrl is null)
                throw new ArgumentException("download needs --target-name, --target-base-url and --target-dir");
            using var fetcher = new HttpFetcher();
            var updater = CreateUpdater(arguments, store, fetcher);
            var (trusted, _) = await updater.RefreshAsync(loadDelegations: false, CancellationToken.None);
            Directory.CreateDirectory(arguments.TargetDir);
            foreach (var name in arguments.TargetNames)
            {
                var found = await updater.FindTargetAsync(trusted, name, CancellationToken.None)
                    ?? throw new InvalidOperationException($"target {name} is not listed by any trusted role");
                // One stable file name per target path, so a changed artifact replaces the old one.
                var destination = Path.Combine(arguments.TargetDir, Uri.EscapeDataString(name));
                if (File.Exists(destination) && new FileInfo(destination).Length == found.File.Length
                    && Hashing.DigestEquals(Hashing.Sha256HexOfFile(destination), found.File.Sha256))
                    continue;
                var url = updater.TargetUrl(name, found.File.Sha256, trusted.Root.ConsistentSnapshot);
                var temp = destination + ".part";
                await fetcher.FetchToFileAsync(url, found.File.Length, found.File.Sha256, temp, CancellationToken.None);
                File.Move(temp, destination, overwrite: true);
            }
            return 0;
        }
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"stork-tuf-client: {e.GetType().Name}: {e.Message}");
    return 1;
}

static Updater CreateUpdater(ConformanceArguments arguments, LocalMetadataStore store, IFetcher fetcher)
{
    if (arguments.MetadataUrl is null) throw new ArgumentException("--metadata-url is required");
    var metadataUrl = new Uri(arguments.MetadataUrl.EndsWith('/') ? arguments.MetadataUrl : arguments.MetadataUrl + "/");
    var targetsUrl = new Uri((arguments.TargetBaseUrl ?? arguments.MetadataUrl).TrimEnd('/') + "/");
    var clock = new OffsetClock(TimeSpan.FromDays(arguments.DaysInFuture));
    return new Updater(metadataUrl, targetsUrl, store, fetcher, clock);
}

/// <summary>The system clock moved forward by a fixed offset (the protocol's --days-in-future).</summary>
internal sealed class OffsetClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
