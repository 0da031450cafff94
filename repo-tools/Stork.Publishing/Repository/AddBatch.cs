using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Queues any number of targets in one pass: the root, the delegation tree (headers only) and the pending queue are
/// read once, each role a target search visits is read once (at <see cref="Commit"/>, one at a time:
/// <see cref="PublishedTargetCheck"/>), and the queue is written once by <see cref="Commit"/>.
/// Nothing is queued unless <see cref="Commit"/> is called, and a batch disposed without it removes the blob files
/// it copied into the served tree, so a refused add leaves the repository as it found it. Queued entries and
/// pending checks wait in scratch files and sorted runs, not in memory (<see cref="PendingQueueBatch"/>), so memory
/// does not grow with the batch or the repository.
/// </summary>
public sealed class AddBatch : IDisposable
{
    private readonly RepositoryProject _project;
    private readonly RootMetadata _root;
    private readonly PublishedRoles _roles;
    private readonly PendingQueueBatch _pending;
    private Dictionary<string, RoleSlot>? _slots;
    private readonly PublishedTargetCheck _check;
    // Blob files this batch created (not ones already served): removed again unless the batch commits. Their names
    // go to an unlinked scratch file, not memory: a bulk add creates one per package.
    private readonly CreatedFiles _created;
    private bool _committed;
    private string? _folder;

    internal AddBatch(RepositoryProject project, int runSize = PendingQueueBatch.DefaultRunSize)
    {
        _project = project;
        _root = project.CurrentRoot();
        _roles = project.ReadPublishedRoles();
        var pendingPath = Path.Combine(project.Directory, RepositoryProject.PendingFile);
        _pending = new PendingQueueBatch(pendingPath, runSize);
        _check = new PublishedTargetCheck(pendingPath + ".check", runSize);
        _created = new CreatedFiles(Path.Combine(project.Directory, RepositoryProject.PendingFile + ".created"));
    }

    public int Count { get; private set; }

    /// <summary>Sorted runs spilled to scratch files so far (for tests of the spill path).</summary>
    internal int RunsSpilled => _pending.RunsSpilled + _check.RunsSpilled;

    /// <summary>Queues a built package (see <see cref="RepositoryProject.AddPackage"/>).</summary>
    /// <param name="installedSize">Bytes of the package's regular files, signed as custom.stork_installed_size so hosts can
    /// show the disk change of a plan before downloading anything (SPEC.md §4).</param>
    public AddedPackage AddPackage(string blobPath, string name, string version, JsonObject packageInfo, string? role = null, long? installedSize = null)
        => AddPackage(blobPath, Hashing.Sha256HexOfFile(blobPath), new FileInfo(blobPath).Length, name, version, (JsonObject)packageInfo.DeepClone(), role, installedSize);

    /// <summary>
    /// Queues a built package whose file hash and length the caller already has (e.g. computed in parallel); takes
    /// <paramref name="packageInfo"/> over (it must have no parent).
    /// </summary>
    public AddedPackage AddPackage(string blobPath, string sha256, long length, string name, string version, JsonObject packageInfo, string? role = null, long? installedSize = null)
        => AddTarget(RepositoryLayout.PackageTarget(name, version), blobPath, sha256, length, installedSize is { } size
                ? new JsonObject { ["stork"] = packageInfo, ["stork_installed_size"] = size }
                : new JsonObject { ["stork"] = packageInfo }, role,
            immutableLabel: $"{name} {version}");

    public AddedPackage AddTarget(string targetPath, string file, JsonObject? custom, string? role = null, string? immutableLabel = null)
        => AddTarget(targetPath, file, Hashing.Sha256HexOfFile(file), new FileInfo(file).Length, custom, role, immutableLabel);

    /// <summary>Queues a target whose hash and length the caller already has (computed off this thread).</summary>
    public AddedPackage AddTarget(string targetPath, string file, string sha256, long length, JsonObject? custom, string? role = null, string? immutableLabel = null)
    {
        var target = new TargetFile(length, new Dictionary<string, string> { ["sha256"] = sha256 }, custom);

        var pathHash = TargetPathRules.PathHash(targetPath);
        role ??= RepositoryProject.AutomaticRole(_roles.Full(RoleNames.Targets)
            ?? throw new PublisherException("targets.json is missing; the repository is incomplete"), targetPath, pathHash);
        _slots ??= _roles.Walk(_root).ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal);
        var slot = _slots.GetValueOrDefault(role)
            ?? throw new PublisherException($"role '{role}' is not delegated in this repository (run 'stork-publish delegate' first)");
        if (!slot.Allows(targetPath, pathHash))
            throw new PublisherException($"{targetPath} is outside role '{role}': it must match {RepositoryProject.DescribeChain(slot)}");

        // The entry a client would use for this path: looked up at commit, role by role (headers only here).
        if (immutableLabel is not null) Expect(targetPath, pathHash, sha256, immutableLabel);

        var destination = Path.Combine(_project.TargetsDir, RepositoryLayout.HashPrefixedTarget(targetPath, sha256));
        // Packages all go to one folder: created (or found) once, not once per package.
        var folder = Path.GetDirectoryName(destination)!;
        if (folder != _folder)
        {
            Directory.CreateDirectory(folder);
            _folder = folder;
        }
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

    private void Expect(string targetPath, string pathHash, string sha256, string label)
    {
        var roles = new List<string>(2);
        foreach (var slot in PublisherDelegationWalk.SearchOrder(_root, slot => _roles.Header(slot.Name), targetPath, pathHash))
        {
            // The top-level role is in memory already (it picks the bin): looked up at once.
            if (slot.Name == RoleNames.Targets)
            {
                if (_roles.Full(RoleNames.Targets) is { } top && top.Targets.TryGetValue(targetPath, out var listed))
                {
                    if (listed.Sha256 != sha256)
                        throw new PublisherException($"{label} is already published (role '{RoleNames.Targets}') with different content (sha256 {listed.Sha256}); publish a new version instead");
                    return;
                }
                continue;
            }
            roles.Add(slot.Name);
        }
        if (roles.Count > 0) _check.Expect(roles, targetPath, sha256, label);
    }

    /// <summary>Writes the queue (once for the whole batch); returns how many distinct target paths the batch queued.</summary>
    public int Commit()
    {
        _check.Run(role => role == RoleNames.Targets ? _roles.Full(role) : _roles.Take(role));
        int queued = _pending.Commit();
        _committed = true;
        _pending.Dispose();
        _created.Dispose();
        return queued;
    }

    public void Dispose()
    {
        _pending.Dispose();
        _check.Dispose();
        if (!_committed) _created.DeleteAll();
        _created.Dispose();
    }
}
