using Stork.Client.Fetching;
using Stork.Client.Tuf;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Tuf.Conformance;

// Exit codes follow CLIENT-CLI.md: 0 success, 1 any failure.
try
{
    var arguments = ConformanceArguments.Parse(args);
    // One process at a time by the suite's protocol, and the suite checks that the folder holds only role files.
    var store = new LocalMetadataStore(arguments.MetadataDir!) { LockPath = null };
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
                    if (File.Exists(destination) && new FileInfo(destination).Length == found.File.Length && HashesMatch(File.ReadAllBytes(destination), found.File))
                        continue;
                    // Any of sha256/sha512 may be listed (all must match); the consistent-snapshot name uses the first listed, as python-tuf does.
                    var url = updater.TargetUrl(name, found.File.Hashes.First().Value, trusted.Root.ConsistentSnapshot);
                    var bytes = await fetcher.FetchAsync(url, found.File.Length, CancellationToken.None);
                    if (bytes.Length != found.File.Length)
                        throw new ContentMismatchException($"{url}: {bytes.Length} bytes, the signed length is {found.File.Length}");
                    Hashing.CheckKnownHashes(bytes, found.File.Hashes, url.ToString());
                    var temp = destination + ".part";
                    File.WriteAllBytes(temp, bytes);
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

static bool HashesMatch(byte[] bytes, TargetFile file)
{
    try { Hashing.CheckKnownHashes(bytes, file.Hashes, "cached target"); return true; }
    catch (ContentMismatchException) { return false; }
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
