using System.Security.Cryptography;
using Stork.Client.Config;
using Stork.Client.Fetching;
using Stork.Client.Guests;
using Stork.Client.Operations;
using Stork.Client.State;
using Stork.Client.Tuf;
using Stork.Integration.Tests.Support;
using Stork.Publishing.Building;
using Stork.Publishing.Repository;

namespace Stork.Integration.Tests.Attacks;

/// <summary>
/// One attack scenario: a repository published from the fixtures (with a hand-moved clock), a served copy of it
/// that the attacker may tamper with, a real nginx, and a host with one guest that already installed 'hello'.
/// </summary>
public sealed class AttackLab : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-attack-").FullName;
    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);
    public RepositoryProject Repo { get; }
    public string Served => Path.Combine(Directory, "served");
    public string ServedMetadata => Path.Combine(Served, "metadata");
    public NginxServer Nginx { get; }
    public HostPaths Paths { get; }
    public string GuestRoot => Path.Combine(Directory, "guest");
    public const string Guest = "victim";
    public FetchPolicy? FetchPolicy { get; set; }

    /// <summary>Builds are deterministic, so every lab of a test run can publish the same blobs.</summary>
    private static readonly Lazy<IReadOnlyList<BuiltPackage>> BuiltFixtures = new(() =>
    {
        var built = System.IO.Directory.CreateTempSubdirectory("stork-attack-built-").FullName;
        return Fixtures.PackageDirs.Select(source => PackageBuilder.Build(source, built)).ToList();
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public AttackLab(string? nginxExtraConfig = null)
    {
        Repo = RepositoryProject.Init(Path.Combine(Directory, "repo"), Clock);
        foreach (var package in BuiltFixtures.Value)
            Repo.AddPackage(package.Path, package.Manifest.Name, package.Manifest.Version, package.Manifest.Info.ToJsonNode().AsObject());
        Repo.Publish();
        Sync();
        Nginx = new NginxServer(Served, nginxExtraConfig);
        Paths = new HostPaths(Path.Combine(Directory, "host", "state"), Path.Combine(Directory, "host", "cache"), Path.Combine(Directory, "host", "config"));
        HostSession.Init(Paths, Nginx.BaseUrl.ToString(), Path.Combine(Served, "metadata", "1.root.json"), Clock);
        using var database = HostDatabase.Open(Paths);
        new GuestRegistry(database).AddGuest(Guest, GuestRoot);
    }

    /// <summary>Makes the served tree an exact copy of what the publisher has now.</summary>
    public void Sync()
    {
        if (System.IO.Directory.Exists(Served)) System.IO.Directory.Delete(Served, recursive: true);
        CopyTree(Repo.PublicDir, Served);
    }

    public string ServedFile(params string[] parts) => Path.Combine([Served, .. parts]);

    public string ServedBlob(string name, string version)
        => System.IO.Directory.GetFiles(ServedFile("targets", "packages", name), $"*.{name}-{version}.stork").Single();

    public async Task<OperationOutcome> InstallAsync(params string[] packages)
    {
        using var database = HostDatabase.Open(Paths);
        using var session = HostSession.Open(Paths, FetchPolicy is null ? null : new HttpFetcher(FetchPolicy), Clock);
        return await new PackageOperations(session, new GuestInstaller(Paths, database, TimeProvider.System)).InstallAsync(Guest, packages, dryRun: false, CancellationToken.None);
    }

    public IReadOnlyList<InstalledPackage> Installed()
    {
        using var database = HostDatabase.Open(Paths);
        return new GuestInstaller(Paths, database, TimeProvider.System).ListInstalled(Guest);
    }

    public async Task<OperationOutcome> PlanAsync(params string[] packages)
    {
        using var database = HostDatabase.Open(Paths);
        using var session = HostSession.Open(Paths, FetchPolicy is null ? null : new HttpFetcher(FetchPolicy), Clock);
        return await new PackageOperations(session, new GuestInstaller(Paths, database, TimeProvider.System)).InstallAsync(Guest, packages, dryRun: true, CancellationToken.None);
    }

    /// <summary>Sets this host's trusted_roles (SPEC.md §9) in its config file.</summary>
    public void TrustRoles(params string[] roles)
    {
        var path = ClientConfig.PathIn(Paths.ConfigDir);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["trusted_roles"] = new System.Text.Json.Nodes.JsonArray(roles.Select(r => (System.Text.Json.Nodes.JsonNode)r).ToArray());
        File.WriteAllText(path, json.ToJsonString());
    }

    public async Task RefreshAsync()
    {
        using var session = HostSession.Open(Paths, FetchPolicy is null ? null : new HttpFetcher(FetchPolicy), Clock);
        await session.RefreshAsync(CancellationToken.None);
    }

    /// <summary>
    /// Every file of the host's trusted metadata with its hash. The record of when the root chain was last checked
    /// is bookkeeping, not metadata: a refresh that fails after a successful root check rightly renews it.
    /// </summary>
    public IReadOnlyDictionary<string, string> TrustedMetadata()
        => HashTree(HostSession.MetadataDirOf(Paths))
            .Where(p => p.Key is not (LocalMetadataStore.RootCheckFile or LocalMetadataStore.LockFile)).ToDictionary();

    /// <summary>
    /// Moves the clock to the end of the host's root check interval (SPEC.md §3.3). Until then a refresh that finds
    /// nothing new does not ask for N+1.root.json, so an attack on the next root meets the next root check.
    /// </summary>
    public void PassRootCheckInterval() => Clock.Advance(TimeSpan.FromSeconds(ClientConfig.DefaultRootCheckIntervalSeconds));

    /// <summary>Every path of the guest with its hash.</summary>
    public IReadOnlyDictionary<string, string> GuestTree() => HashTree(GuestRoot);

    private static Dictionary<string, string> HashTree(string root)
    {
        if (!System.IO.Directory.Exists(root)) return [];
        return System.IO.Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => Path.GetRelativePath(root, p), p =>
                new FileInfo(p).LinkTarget ?? (System.IO.Directory.Exists(p) ? "dir" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p)))));
    }

    private static void CopyTree(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var dir in System.IO.Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            System.IO.Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in System.IO.Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
    }

    public void Dispose()
    {
        Nginx.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
