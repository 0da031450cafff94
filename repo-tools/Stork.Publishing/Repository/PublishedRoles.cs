using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// The published targets-type roles of one publishing step, read lazily and at most once each: in full only for
/// roles that change or that a target search visits, otherwise only their delegations and expiry
/// (<see cref="RoleHeaderReader"/>). Versions come from the current snapshot, which lists every role. This keeps
/// adding or publishing one package proportional to the roles it changes, not to the repository.
/// </summary>
internal sealed class PublishedRoles(RepositoryProject project, SnapshotMetadata? snapshot)
{
    private readonly Dictionary<string, TargetsMetadata?> _full = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TargetsMetadata?> _headers = new(StringComparer.Ordinal);

    public SnapshotMetadata? Snapshot => snapshot;

    /// <summary>The role with all its targets, or null when it has no metadata yet.</summary>
    public TargetsMetadata? Full(string role)
    {
        if (!_full.TryGetValue(role, out var metadata)) _full[role] = metadata = project.TryCurrentTargets(role);
        return metadata;
    }

    /// <summary>The role with all its targets for one use, not kept: publishing many roles holds one at a time.</summary>
    public TargetsMetadata? Take(string role) => _full.Remove(role, out var metadata) ? metadata : project.TryCurrentTargets(role);

    /// <summary>The role's header and delegations with an empty target list (the full role when already read).</summary>
    public TargetsMetadata? Header(string role)
    {
        if (_full.TryGetValue(role, out var full)) return full;
        if (_headers.TryGetValue(role, out var header)) return header;
        long? version = VersionInSnapshot(role);
        header = version is { } v
            ? RoleHeaderReader.Read(Path.Combine(project.MetadataDir, RepositoryLayout.UnversionedMetadata(role)), v)
            : Full(role);
        _headers[role] = header;
        return header;
    }

    /// <summary>The published version of a role: as the snapshot lists it, else as its file says (0 when it has none).</summary>
    public long CurrentVersion(string role)
        => VersionInSnapshot(role) ?? Full(role)?.Header.Version ?? 0;

    private long? VersionInSnapshot(string role)
        => snapshot is not null && snapshot.Meta.TryGetValue(RepositoryLayout.UnversionedMetadata(role), out var meta) ? meta.Version : null;

    /// <summary>Every reachable role in pre-order with its slot; roles in <paramref name="changed"/> as they will be.</summary>
    public List<WalkedRole> Walk(RootMetadata root, IReadOnlyDictionary<string, TargetsMetadata>? changed = null)
        => PublisherDelegationWalk.All(root, slot => changed is not null && changed.TryGetValue(slot.Name, out var m) ? m : Header(slot.Name));

    /// <summary>The role a client would take <paramref name="targetPath"/> from; reads only the roles the search visits.</summary>
    public (WalkedRole Role, TargetFile Target)? Search(RootMetadata root, string targetPath)
        => PublisherDelegationWalk.Search(root, slot => Full(slot.Name), targetPath);
}
