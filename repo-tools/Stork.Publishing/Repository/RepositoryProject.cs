using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// A maintainer's repository on disk:
/// <c>stork-repo.json</c> (settings), <c>keys/</c> (private keys, never served),
/// <c>public/</c> (the static tree any web server or CDN can host) and
/// <c>pending-targets.json</c> (packages added since the last publish).
/// </summary>
public sealed class RepositoryProject
{
    public const string SettingsFile = "stork-repo.json";
    public const string PendingFile = "pending-targets.json";

    public string Directory { get; }
    public string PublicDir => Path.Combine(Directory, "public");
    public string MetadataDir => Path.Combine(PublicDir, RepositoryLayout.MetadataDir);
    public string TargetsDir => Path.Combine(PublicDir, RepositoryLayout.TargetsDir);
    public KeyStore Keys { get; }
    public RepositorySettings Settings { get; }
    private readonly TimeProvider _time;

    private RepositoryProject(string directory, RepositorySettings settings, TimeProvider time, string? keysDir)
    {
        Directory = Path.GetFullPath(directory);
        Settings = settings;
        _time = time;
        Keys = new KeyStore(keysDir ?? Path.Combine(Directory, "keys"));
    }

    /// <summary>Creates keys for the four top-level roles and version 1 of all metadata.</summary>
    public static RepositoryProject Init(string directory, TimeProvider time, RepositorySettings? settings = null, string? keysDir = null)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(full, SettingsFile)))
            throw new PublisherException($"{full} already holds a repository ({SettingsFile} exists)");
        settings ??= RepositorySettings.Default;
        System.IO.Directory.CreateDirectory(full);
        var project = new RepositoryProject(full, settings, time, keysDir);
        var settingsJson = settings.ToJson();
        if (keysDir is not null) settingsJson["keys_dir"] = project.Keys.Directory;
        File.WriteAllText(Path.Combine(full, SettingsFile), settingsJson.ToJsonString(new() { WriteIndented = true }));

        var roleKeys = new Dictionary<string, SigningKey>();
        foreach (var role in RoleNames.TopLevel)
        {
            var key = SigningKey.Generate();
            project.Keys.Save(role, key);
            roleKeys[role] = key;
        }
        System.IO.Directory.CreateDirectory(project.MetadataDir);
        System.IO.Directory.CreateDirectory(project.TargetsDir);

        var now = project.Now;
        var root = new RootMetadata(
            new SignedHeader(RoleNames.Root, RoleNames.SpecVersion, 1, now + settings.RootExpiry),
            ConsistentSnapshot: true,
            Keys: roleKeys.Values.ToDictionary(k => k.KeyId, k => k.Public),
            Roles: roleKeys.ToDictionary(r => r.Key, r => new RoleKeys([r.Value.KeyId], 1)));
        project.WriteSigned(RoleNames.Root, 1, root.ToSigned(), [roleKeys[RoleNames.Root]]);
        project.PublishTargets(new Dictionary<string, TargetFile>(), null);
        foreach (var key in roleKeys.Values) key.Dispose();
        return project;
    }

    public static RepositoryProject Open(string directory, TimeProvider time)
    {
        var full = Path.GetFullPath(directory);
        var settingsPath = Path.Combine(full, SettingsFile);
        if (!File.Exists(settingsPath))
            throw new PublisherException($"{full} is not a Stork repository (no {SettingsFile}); run 'stork-publish init {directory}' first");
        JsonObject json;
        try { json = StrictJson.ParseObject(File.ReadAllBytes(settingsPath), settingsPath); }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
        var keysDir = json["keys_dir"] is JsonValue v && v.TryGetValue<string>(out var k) ? k : null;
        return new RepositoryProject(full, RepositorySettings.FromJson(json, settingsPath), time, keysDir);
    }

    private DateTimeOffset Now => ExpiryFormat.Truncate(_time.GetUtcNow());

    public RootMetadata CurrentRoot() => RootMetadata.FromSigned(ReadEnvelope(RoleNames.Root).Signed);
    public TargetsMetadata CurrentTargets() => TargetsMetadata.FromSigned(ReadEnvelope(RoleNames.Targets).Signed);
    public SnapshotMetadata CurrentSnapshot() => SnapshotMetadata.FromSigned(ReadEnvelope(RoleNames.Snapshot).Signed);
    public TimestampMetadata CurrentTimestamp() => TimestampMetadata.FromSigned(ReadEnvelope(RoleNames.Timestamp).Signed);

    public SignedEnvelope ReadEnvelope(string role)
    {
        var path = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role));
        if (!File.Exists(path)) throw new PublisherException($"{path} is missing; the repository is incomplete");
        return SignedEnvelope.Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Copies a built package into the served tree under its hash-prefixed name and queues its target entry.
    /// A name and version already published with other content is refused: published versions are immutable.
    /// </summary>
    public AddedPackage AddPackage(string blobPath, string name, string version, JsonObject packageInfo)
    {
        var targetPath = RepositoryLayout.PackageTarget(name, version);
        var sha256 = Hashing.Sha256HexOfFile(blobPath);
        var length = new FileInfo(blobPath).Length;
        var target = new TargetFile(length, new Dictionary<string, string> { ["sha256"] = sha256 }, new JsonObject { ["stork"] = packageInfo.DeepClone() });

        if (CurrentTargets().Targets.TryGetValue(targetPath, out var published) && published.Sha256 != sha256)
            throw new PublisherException($"{name} {version} is already published with different content (sha256 {published.Sha256}); publish a new version instead");

        var destination = Path.Combine(TargetsDir, RepositoryLayout.HashPrefixedTarget(targetPath, sha256));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (!File.Exists(destination))
        {
            var temp = destination + ".tmp";
            File.Copy(blobPath, temp, overwrite: true);
            File.Move(temp, destination, overwrite: true);
        }
        var pending = ReadPending();
        pending[targetPath] = target.ToJson();
        WritePending(pending);
        return new AddedPackage(targetPath, sha256, length);
    }

    public IReadOnlyList<string> PendingTargets() => ReadPending().Select(p => p.Key).ToList();

    /// <summary>Signs new targets (with everything pending), snapshot and timestamp.</summary>
    public PublishResult Publish()
    {
        var current = CurrentTargets();
        var targets = new Dictionary<string, TargetFile>(current.Targets, StringComparer.Ordinal);
        var pending = ReadPending();
        foreach (var (path, json) in pending)
            targets[path] = TargetFile.FromJson((JsonObject)json!, $"pending target {path}");
        var result = PublishTargets(targets, current);
        File.Delete(Path.Combine(Directory, PendingFile));
        return result with { AddedTargets = pending.Count };
    }

    /// <summary>Re-signs only the timestamp with a fresh expiry (for cron with short timestamp lifetimes).</summary>
    public long RefreshTimestamp()
    {
        var timestamp = CurrentTimestamp();
        var next = new TimestampMetadata(new SignedHeader(RoleNames.Timestamp, RoleNames.SpecVersion, timestamp.Header.Version + 1, Now + Settings.TimestampExpiry), timestamp.Snapshot);
        using var key = Keys.Load(RoleNames.Timestamp);
        WriteSigned(RoleNames.Timestamp, next.Header.Version, next.ToSigned(), [key], versioned: false);
        return next.Header.Version;
    }

    private PublishResult PublishTargets(Dictionary<string, TargetFile> targets, TargetsMetadata? current)
    {
        var now = Now;
        long targetsVersion = (current?.Header.Version ?? 0) + 1;
        var targetsMeta = new TargetsMetadata(new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, targetsVersion, now + Settings.TargetsExpiry), targets, current?.Delegations);
        byte[] targetsBytes;
        using (var key = Keys.Load(RoleNames.Targets))
            targetsBytes = WriteSigned(RoleNames.Targets, targetsVersion, targetsMeta.ToSigned(), [key]);

        long snapshotVersion = current is null ? 1 : CurrentSnapshot().Header.Version + 1;
        var snapshot = new SnapshotMetadata(
            new SignedHeader(RoleNames.Snapshot, RoleNames.SpecVersion, snapshotVersion, now + Settings.SnapshotExpiry),
            new Dictionary<string, MetaFile> { ["targets.json"] = new MetaFile(targetsVersion, targetsBytes.Length, Sha256Of(targetsBytes)) });
        byte[] snapshotBytes;
        using (var key = Keys.Load(RoleNames.Snapshot))
            snapshotBytes = WriteSigned(RoleNames.Snapshot, snapshotVersion, snapshot.ToSigned(), [key]);

        long timestampVersion = current is null ? 1 : CurrentTimestamp().Header.Version + 1;
        var timestamp = new TimestampMetadata(
            new SignedHeader(RoleNames.Timestamp, RoleNames.SpecVersion, timestampVersion, now + Settings.TimestampExpiry),
            new MetaFile(snapshotVersion, snapshotBytes.Length, Sha256Of(snapshotBytes)));
        using (var key = Keys.Load(RoleNames.Timestamp))
            WriteSigned(RoleNames.Timestamp, timestampVersion, timestamp.ToSigned(), [key], versioned: false);
        return new PublishResult(targetsVersion, snapshotVersion, timestampVersion, targets.Count, 0);
    }

    private static Dictionary<string, string> Sha256Of(byte[] bytes) => new() { ["sha256"] = Hashing.Sha256Hex(bytes) };

    /// <summary>Writes N.role.json (immutable, for consistent snapshots) and role.json (the latest).</summary>
    private byte[] WriteSigned(string role, long version, JsonObject signed, IEnumerable<SigningKey> keys, bool versioned = true)
    {
        var envelope = new SignedEnvelope(signed);
        foreach (var key in keys) envelope.Sign(key);
        var bytes = envelope.ToBytes();
        if (versioned) WriteAtomically(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, version)), bytes);
        WriteAtomically(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role)), bytes);
        return bytes;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private JsonObject ReadPending()
    {
        var path = Path.Combine(Directory, PendingFile);
        if (!File.Exists(path)) return new JsonObject();
        try { return StrictJson.ParseObject(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
    }

    private void WritePending(JsonObject pending)
        => WriteAtomically(Path.Combine(Directory, PendingFile), System.Text.Encoding.UTF8.GetBytes(pending.ToJsonString(new() { WriteIndented = true })));
}

public sealed record AddedPackage(string TargetPath, string Sha256, long Length);

public sealed record PublishResult(long TargetsVersion, long SnapshotVersion, long TimestampVersion, int TargetCount, int AddedTargets);
