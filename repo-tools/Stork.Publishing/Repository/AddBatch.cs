using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Queues any number of targets in one pass: the root, the delegation tree (headers only) and the pending queue are
/// read once, each role a target search visits is read once, and the queue is written once by <see cref="Commit"/>.
/// Nothing is queued unless <see cref="Commit"/> is called, and a batch disposed without it removes the blob files
/// it copied into the served tree, so a refused add leaves the repository as it found it. Queued entries wait in a
/// scratch file, not in memory (<see cref="PendingQueueBatch"/>).
/// </summary>
public sealed class AddBatch : IDisposable
{
    private readonly RepositoryProject _project;
    private readonly RootMetadata _root;
    private readonly PublishedRoles _roles;
    private readonly PendingQueueBatch _pending;
    private Dictionary<string, RoleSlot>? _slots;
    private Dictionary<string, TargetsMetadata?>? _listed;
    // Blob files this batch created (not ones already served): removed again unless the batch commits. Their names
    // go to an unlinked scratch file, not memory: a bulk add creates one per package.
    private readonly CreatedFiles _created;
    private bool _committed;

    internal AddBatch(RepositoryProject project)
    {
        _project = project;
        _root = project.CurrentRoot();
        _roles = project.ReadPublishedRoles();
        _pending = new PendingQueueBatch(Path.Combine(project.Directory, RepositoryProject.PendingFile));
        _created = new CreatedFiles(Path.Combine(project.Directory, RepositoryProject.PendingFile + ".created"));
    }

    public int Count { get; private set; }

    /// <summary>Queues a built package (see <see cref="RepositoryProject.AddPackage"/>).</summary>
    /// <param name="installedSize">Bytes of the package's regular files, signed as custom.stork_installed_size so hosts can
    /// show the disk change of a plan before downloading anything (SPEC.md §4).</param>
    public AddedPackage AddPackage(string blobPath, string name, string version, JsonObject packageInfo, string? role = null, long? installedSize = null)
        => AddTarget(RepositoryLayout.PackageTarget(name, version), blobPath, installedSize is { } size
                ? new JsonObject { ["stork"] = packageInfo.DeepClone(), ["stork_installed_size"] = size }
                : new JsonObject { ["stork"] = packageInfo.DeepClone() }, role,
            immutableLabel: $"{name} {version}");

    public AddedPackage AddTarget(string targetPath, string file, JsonObject? custom, string? role = null, string? immutableLabel = null)
    {
        var sha256 = Hashing.Sha256HexOfFile(file);
        var length = new FileInfo(file).Length;
        var target = new TargetFile(length, new Dictionary<string, string> { ["sha256"] = sha256 }, custom);

        role ??= RepositoryProject.AutomaticRole(_roles.Full(RoleNames.Targets)
            ?? throw new PublisherException("targets.json is missing; the repository is incomplete"), targetPath);
        _slots ??= _roles.Walk(_root).ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal);
        var slot = _slots.GetValueOrDefault(role)
            ?? throw new PublisherException($"role '{role}' is not delegated in this repository (run 'stork-publish delegate' first)");
        if (!slot.Allows(targetPath))
            throw new PublisherException($"{targetPath} is outside role '{role}': it must match {RepositoryProject.DescribeChain(slot)}");

        // The entry a client would use for this path (only the roles the search visits are read).
        if (immutableLabel is not null && PublisherDelegationWalk.Search(_root, slot => Listed(slot.Name), targetPath) is { } listed && listed.Target.Sha256 != sha256)
            throw new PublisherException($"{immutableLabel} is already published (role '{listed.Role.Name}') with different content (sha256 {listed.Target.Sha256}); publish a new version instead");

        var destination = Path.Combine(_project.TargetsDir, RepositoryLayout.HashPrefixedTarget(targetPath, sha256));
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (!File.Exists(destination))
        {
            var temp = destination + ".tmp";
            File.Copy(file, temp, overwrite: true);
            File.Move(temp, destination, overwrite: true);
            _created.Add(destination);
        }
        _pending.Add(role, targetPath, target);
        Count++;
        return new AddedPackage(targetPath, sha256, length, role);
    }

    /// <summary>
    /// A published role as the immutability check needs it: each target's length and hashes without its custom data
    /// (a package's metadata), kept for the batch. A bulk add into a large repository visits every bin; without
    /// the custom DOMs that costs a few hundred bytes per published target, not kilobytes.
    /// </summary>
    private TargetsMetadata? Listed(string role)
    {
        _listed ??= new(StringComparer.Ordinal);
        if (_listed.TryGetValue(role, out var kept)) return kept;
        var full = role == RoleNames.Targets ? _roles.Full(role) : _roles.Take(role);
        kept = full is null ? null : full with
        {
            Targets = full.Targets.ToDictionary(t => t.Key, t => t.Value.Custom is null ? t.Value : t.Value with { Custom = null }, StringComparer.Ordinal),
        };
        _listed[role] = kept;
        return kept;
    }

    /// <summary>Writes the queue (once for the whole batch); returns how many distinct target paths the batch queued.</summary>
    public int Commit()
    {
        int queued = _pending.Commit();
        _committed = true;
        _pending.Dispose();
        _created.Dispose();
        return queued;
    }

    public void Dispose()
    {
        _pending.Dispose();
        if (!_committed) _created.DeleteAll();
        _created.Dispose();
    }
}
