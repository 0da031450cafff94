using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// A maintainer's repository on disk:
/// <c>stork-repo.json</c> (settings), <c>keys/</c> (private keys, never served),
/// <c>public/</c> (the static tree any web server or CDN can host),
/// <c>pending-targets.json</c> (packages added since the last publish) and
/// <c>staged-root.json</c> (a root change waiting for offline signatures).
/// The other parts of this class: publishing the metadata chain (<c>.Chain.cs</c>), root and key
/// changes (<c>.Root.cs</c>, <c>.Keys.cs</c>), delegations and hash bins (<c>.Delegations.cs</c>).
/// </summary>
public sealed partial class RepositoryProject
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
        using (var keys = new SigningKeys(project.Keys, roleKeys.Values))
        {
            var envelope = keys.Sign(RoleNames.Root, root.ToSigned(), root.Keys, root.Role(RoleNames.Root));
            project.WriteEnvelope(RoleNames.Root, 1, envelope);
            project.WriteChain(keys, root, new Dictionary<string, TargetsMetadata> { [RoleNames.Targets] = EmptyTargets() });
        }
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
        string? keysDir;
        RepositorySettings settings;
        try
        {
            json = ConfigJson.ParseObject(File.ReadAllBytes(settingsPath), settingsPath);
            ConfigJson.RejectUnknownKeys(json, RepositorySettings.KnownKeys, settingsPath);
            keysDir = json.ContainsKey("keys_dir") ? StrictJson.RequireString(json, "keys_dir", settingsPath) : null;
            settings = RepositorySettings.FromJson(json, settingsPath);
        }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
        var project = new RepositoryProject(full, settings, time, keysDir);
        // A publish killed half-way is finished before anything reads the current versions.
        project.ResumeInterruptedWrites();
        return project;
    }

    private DateTimeOffset Now => ExpiryFormat.Truncate(_time.GetUtcNow());

    /// <summary>A targets-type role with no targets; version and expiry are set when it is written.</summary>
    internal static TargetsMetadata EmptyTargets(Delegations? delegations = null)
        => new(new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, 1, DateTimeOffset.UnixEpoch), new Dictionary<string, TargetFile>(), delegations);

    private (byte[] Bytes, RootMetadata Root)? _root;

    /// <summary>The current root; parsed again only when root.json's bytes changed (one command reads it several times).</summary>
    public RootMetadata CurrentRoot()
    {
        var path = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Root));
        if (!File.Exists(path)) throw new PublisherException($"{path} is missing; the repository is incomplete");
        var bytes = File.ReadAllBytes(path);
        if (_root is { } known && known.Bytes.AsSpan().SequenceEqual(bytes)) return known.Root;
        var root = RootMetadata.FromSigned(SignedEnvelope.Parse(bytes, path).Signed);
        _root = (bytes, root);
        return root;
    }
    public TargetsMetadata CurrentTargets() => TargetsMetadata.FromSigned(ReadEnvelope(RoleNames.Targets).Signed);
    public SnapshotMetadata CurrentSnapshot() => SnapshotMetadata.FromSigned(ReadEnvelope(RoleNames.Snapshot).Signed);
    public TimestampMetadata CurrentTimestamp() => TimestampMetadata.FromSigned(ReadEnvelope(RoleNames.Timestamp).Signed);

    /// <summary>The current metadata of a targets-type role (top-level or delegated), or null if it has none yet.</summary>
    public TargetsMetadata? TryCurrentTargets(string role)
    {
        var path = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role));
        if (!File.Exists(path)) return null;
        try { return TargetsMetadata.FromSigned(SignedEnvelope.Parse(File.ReadAllBytes(path), path).Signed, path); }
        catch (MetadataFormatException e) { throw new PublisherException($"{path} cannot be read: {e.Message}", e); }
    }

    public SignedEnvelope ReadEnvelope(string role)
    {
        var path = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role));
        if (!File.Exists(path)) throw new PublisherException($"{path} is missing; the repository is incomplete");
        return SignedEnvelope.Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Every targets-type role of the published tree, in the order a client searches them.</summary>
    public List<WalkedRole> CurrentRoles(RootMetadata? root = null)
        => PublisherDelegationWalk.All(root ?? CurrentRoot(), slot => TryCurrentTargets(slot.Name));

    /// <summary>
    /// Copies a built package into the served tree under its hash-prefixed name and queues its target entry
    /// for <paramref name="role"/> (null: hash bin or targets, see <see cref="AutomaticRole"/>).
    /// A name and version already published with other content is refused: published versions are immutable.
    /// </summary>
    /// <param name="installedSize">Bytes of the package's regular files, signed as custom.stork_installed_size so hosts can
    /// show the disk change of a plan before downloading anything (SPEC.md §4).</param>
    public AddedPackage AddPackage(string blobPath, string name, string version, JsonObject packageInfo, string? role = null, long? installedSize = null)
    {
        using var batch = BeginAdding();
        var added = batch.AddPackage(blobPath, name, version, packageInfo, role, installedSize);
        batch.Commit();
        return added;
    }

    /// <summary>
    /// Copies any file into the served tree under its hash-prefixed name and queues its target entry.
    /// With <paramref name="immutableLabel"/>, a path already published with other content is refused.
    /// </summary>
    public AddedPackage AddTarget(string targetPath, string file, JsonObject? custom, string? role = null, string? immutableLabel = null)
    {
        using var batch = BeginAdding();
        var added = batch.AddTarget(targetPath, file, custom, role, immutableLabel);
        batch.Commit();
        return added;
    }

    /// <summary>Adds many files in one pass: the published roles are read once and the queue is written once, at <see cref="AddBatch.Commit"/>.</summary>
    public AddBatch BeginAdding() => new(this);

    /// <summary>A batch whose sorts spill runs of <paramref name="runSize"/> entries (tests take the spill path with a few hundred).</summary>
    internal AddBatch BeginAdding(int runSize) => new(this, runSize);

    /// <summary>
    /// Where a target goes when no role is named: its hash bin when targets delegates to bins, else targets itself.
    /// </summary>
    internal static string AutomaticRole(IReadOnlyList<WalkedRole> roles, string targetPath) => AutomaticRole(roles[0].Metadata, targetPath);

    internal static string AutomaticRole(TargetsMetadata top, string targetPath) => AutomaticRole(top, targetPath, TargetPathRules.PathHash(targetPath));

    internal static string AutomaticRole(TargetsMetadata top, string targetPath, string pathHash)
    {
        if (top.Delegations is not { } delegations) return RoleNames.Targets;
        // The path is hashed once, not once per bin.
        foreach (var d in delegations.Roles)
            if (d.PathHashPrefixes is not null && d.Name.StartsWith(DelegatedRoleNames.BinPrefix, StringComparison.Ordinal) && TargetPathRules.Covers(d, targetPath, pathHash))
                return d.Name;
        return RoleNames.Targets;
    }

    internal PublishedRoles ReadPublishedRoles()
    {
        var snapshotFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot));
        return new PublishedRoles(this, File.Exists(snapshotFile) ? CurrentSnapshot() : null);
    }

    internal static string DescribeChain(RoleSlot slot)
        => string.Join(" and ", slot.Chain.Select(d => d.Paths is { } p
            ? $"one of the paths of '{d.Name}' ({string.Join(", ", p)})"
            : $"one of the path hash prefixes of '{d.Name}' ({string.Join(", ", d.PathHashPrefixes!.Take(8))}{(d.PathHashPrefixes!.Count > 8 ? ", ..." : "")})"));

    public IReadOnlyList<string> PendingTargets() => PendingTargetsFile.ReadEntries(Path.Combine(Directory, PendingFile)).Select(e => e.Path).ToList();

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}

public sealed record AddedPackage(string TargetPath, string Sha256, long Length, string Role = RoleNames.Targets);

/// <param name="TargetCount">Targets listed by the roles signed in this step (unchanged roles are not read to count theirs).</param>
public sealed record PublishResult(long TargetsVersion, long SnapshotVersion, long TimestampVersion, int TargetCount, int AddedTargets, IReadOnlyList<string>? SignedRoles = null);
