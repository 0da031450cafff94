using System.Security.Cryptography;
using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Publishing.Building;

namespace Stork.Client.Tests;

/// <summary>
/// A throw-away host: state, cache and config directories, guest roots and package sources under one temp
/// directory (one filesystem, so hard links work), with the real database, registry and installer.
/// </summary>
internal sealed class HostFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("stork-client-test-").FullName;
    public HostPaths Paths { get; }
    public HostDatabase Database { get; }
    public GuestRegistry Guests { get; }
    public GuestInstaller Installer { get; }
    public TestBlobSource Blobs { get; } = new();

    public GuestMaintenance Maintenance { get; }

    public HostFixture(bool immutable = false)
    {
        Paths = new HostPaths(Path.Combine(Root, "state"), Path.Combine(Root, "cache"), Path.Combine(Root, "etc")) { ImmutableStore = immutable };
        Database = HostDatabase.Open(Paths);
        Guests = new GuestRegistry(Database);
        Installer = new GuestInstaller(Paths, Database, TimeProvider.System);
        Maintenance = new GuestMaintenance(Paths, Database, Installer);
    }

    /// <summary>Puts a package's blob into the host blob cache (as a download would), for rollback and repair.</summary>
    public void CacheBlob(DesiredPackage package)
    {
        var dir = Path.Combine(Paths.BlobsDir, "sha256");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Root, "out", $"{package.Name}_{package.Version}.stork"), Path.Combine(dir, package.BlobSha256), overwrite: true);
    }

    /// <summary>Every path under a guest root whose name marks a Stork temporary (.stork-TXID-N, .stork-probe-*).</summary>
    public IReadOnlyList<string> TemporariesIn(string guest) =>
        Directory.EnumerateFileSystemEntries(GuestRoot(guest), ".stork-*", SearchOption.AllDirectories).ToList();

    public string GuestRoot(string name) => Path.Combine(Root, "guests", name);

    public GuestRecord AddGuest(string name, LinkMode linkMode = LinkMode.HardLink, string shareGroup = ShareGroups.Default) =>
        Guests.AddGuest(name, GuestRoot(name), linkMode, shareGroup);

    /// <summary>Builds a package from (relative path → content) files; names ending in '@' become symlinks to the content.</summary>
    public DesiredPackage Build(string name, string version, IReadOnlyDictionary<string, string> files,
        string[]? config = null, string[]? executables = null, bool manual = true)
    {
        var source = Path.Combine(Root, "src", $"{name}-{version}");
        if (Directory.Exists(source)) Directory.Delete(source, true);
        Directory.CreateDirectory(source);
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(source, path.TrimEnd('@'));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (path.EndsWith('@')) File.CreateSymbolicLink(full, content);
            else File.WriteAllText(full, content);
            if (executables?.Contains(path) == true) File.SetUnixFileMode(full, (UnixFileMode)0x1ED);
        }
        var build = new BuildManifest { Name = name, Version = version, Summary = $"{name} for tests", Config = config ?? [] };
        var built = PackageBuilder.Build(source, build, Path.Combine(Root, "out"));
        var desired = new DesiredPackage(name, version, built.Sha256, built.Length, manual);
        Blobs.Add(desired, built.Path);
        return desired;
    }

    public Task<InstallReport> ApplyAsync(string guest, params DesiredPackage[] packages) =>
        Installer.ApplyAsync(guest, packages, Blobs, CancellationToken.None);

    public void Dispose()
    {
        Database.Dispose();
        var storeDir = Path.GetDirectoryName(Paths.FilesDir)!; // every sharing group's files
        if (Directory.Exists(storeDir))
            foreach (var file in Directory.EnumerateFiles(storeDir, "*", SearchOption.AllDirectories))
                try { Stork.Client.Store.NativeFs.SetImmutable(file, false); } catch (IOException) { }
        // Store files are read-only; root can delete them anyway, but make it explicit for non-root runs.
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Blob source over local files; checks sha256 and length like the real one does.</summary>
internal sealed class TestBlobSource : IBlobSource
{
    private readonly Dictionary<string, string> _paths = new();
    public List<string> Requested { get; } = [];

    public void Add(DesiredPackage package, string path) => _paths[package.BlobSha256] = path;

    public Task<string> GetVerifiedBlobPathAsync(DesiredPackage package, CancellationToken ct)
    {
        Requested.Add($"{package.Name} {package.Version}");
        var path = _paths[package.BlobSha256];
        using var stream = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (sha != package.BlobSha256 || stream.Length != package.BlobLength) throw new InvalidOperationException("test blob mismatch");
        return Task.FromResult(path);
    }

    /// <summary>Serves another file for a package's blob (for tampering tests), claiming it verified.</summary>
    public DesiredPackage Substitute(DesiredPackage package, string path)
    {
        using var stream = File.OpenRead(path);
        var substituted = package with { BlobSha256 = Convert.ToHexStringLower(SHA256.HashData(stream)), BlobLength = stream.Length };
        _paths[substituted.BlobSha256] = path;
        return substituted;
    }
}
