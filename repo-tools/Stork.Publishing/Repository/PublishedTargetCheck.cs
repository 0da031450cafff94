using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// The immutability check of a batch (a name and version already published with other content is refused), done
/// role by role at commit instead of target by target: each added target leaves one probe per role a client's
/// search would visit for it (<see cref="PublisherDelegationWalk.SearchOrder"/>); the probes are sorted by role
/// (<see cref="ExternalSorter{T}"/>), each role is read once and dropped before the next, and the first role in
/// search order that lists a path decides, as in the client. Memory: one role and one sorted run, whatever the
/// size of the batch or the repository.
/// </summary>
internal sealed class PublishedTargetCheck : IDisposable
{
    private readonly string _scratchBase;
    private readonly int _runSize;
    private readonly ExternalSorter<Probe> _probes;
    private int _order;

    /// <summary>One look-up: does <see cref="Role"/> list <see cref="Path"/> (the <see cref="Index"/>-th role its search visits)?</summary>
    private readonly record struct Probe(string Role, string Path, int Index, int Order, string Sha256, string Label);

    /// <summary>A probe whose role lists the path, with the listed hash.</summary>
    private readonly record struct Hit(int Order, int Index, string Role, string Listed, string Sha256, string Label);

    public PublishedTargetCheck(string scratchBase, int runSize)
    {
        _scratchBase = scratchBase;
        _runSize = runSize;
        _probes = new ExternalSorter<Probe>(scratchBase + ".probes", static (a, b) =>
            string.CompareOrdinal(a.Role, b.Role) is var c and not 0 ? c
            : string.CompareOrdinal(a.Path, b.Path) is var d and not 0 ? d
            : a.Order.CompareTo(b.Order) is var e and not 0 ? e : a.Index.CompareTo(b.Index),
            static (w, p) => { w.Write(p.Role); w.Write(p.Path); w.Write(p.Index); w.Write(p.Order); w.Write(p.Sha256); w.Write(p.Label); },
            static r => new Probe(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadString(), r.ReadString()),
            runSize);
    }

    public int RunsSpilled => _probes.RunsSpilled;

    /// <summary>Queues the look-ups for one added target: <paramref name="roles"/> in the order the search visits them.</summary>
    public void Expect(IReadOnlyList<string> roles, string targetPath, string sha256, string label)
    {
        for (int i = 0; i < roles.Count; i++) _probes.Add(new Probe(roles[i], targetPath, i, _order, sha256, label));
        _order++;
    }

    /// <summary>Reads each probed role once (through <paramref name="load"/>) and throws for the first refused target, in the order added.</summary>
    public void Run(Func<string, TargetsMetadata?> load)
    {
        if (_probes.Count == 0) return;
        using var hits = new ExternalSorter<Hit>(_scratchBase + ".hits", static (a, b) =>
            a.Order.CompareTo(b.Order) is var c and not 0 ? c : a.Index.CompareTo(b.Index),
            static (w, h) => { w.Write(h.Order); w.Write(h.Index); w.Write(h.Role); w.Write(h.Listed); w.Write(h.Sha256); w.Write(h.Label); },
            static r => new Hit(r.ReadInt32(), r.ReadInt32(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString()),
            _runSize);
        string? role = null;
        TargetsMetadata? metadata = null;
        foreach (var probe in _probes.Sorted())
        {
            if (probe.Role != role)
            {
                role = probe.Role;
                metadata = null; // the previous role can go before the next is read
                metadata = load(role);
            }
            if (metadata is not null && metadata.Targets.TryGetValue(probe.Path, out var listed))
                hits.Add(new Hit(probe.Order, probe.Index, role, listed.Sha256, probe.Sha256, probe.Label));
        }
        metadata = null;
        int decided = -1;
        foreach (var hit in hits.Sorted())
        {
            if (hit.Order == decided) continue; // a later role in search order: the client never reads it for this path
            decided = hit.Order;
            if (hit.Listed != hit.Sha256)
                throw new PublisherException($"{hit.Label} is already published (role '{hit.Role}') with different content (sha256 {hit.Listed}); publish a new version instead");
        }
    }

    public void Dispose() => _probes.Dispose();
}
