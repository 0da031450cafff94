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

    public HostFixture()
    {
        Paths = new HostPaths(Path.Combine(Root, "state"), Path.Combine(Root, "cache"), Path.Combine(Root, "etc"));
        Database = HostDatabase.Open(Paths);
        Guests = new GuestRegistry(Database);
        Installer = new GuestInstaller(Paths, Database);
    }

    public string GuestRoot(string name) => Path.Combine(Root, "guests", name);

    public GuestRecord AddGuest(string name, string linkMode = GuestLinkModes.HardLink) =>
        Guests.AddGuest(name, GuestRoot(name), linkMode);

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
