using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// The entries one <see cref="AddBatch"/> queues. Each entry's JSON goes to an unlinked scratch file as it is added,
/// and its role, path and place there go to an external sort (<see cref="ExternalSorter{T}"/>): memory holds one
/// run of them, whatever the size of the batch. <see cref="Commit"/> merges them with the queue already on disk
/// (read as a stream; a path queued again replaces the earlier entry) into a new queue file, in order of role then
/// path: one sort by path (newest first) drops replaced entries, a second orders the rest by role.
/// </summary>
internal sealed class PendingQueueBatch : IDisposable
{
    /// <summary>Entries per sorted run; a run is a few hundred bytes per entry of memory.</summary>
    public const int DefaultRunSize = 8192;

    private readonly string _path;
    private readonly int _runSize;
    private FileStream? _scratch;
    private long _scratchLength;
    private int _order;
    private readonly ExternalSorter<Item> _byPath;
    private ExternalSorter<Item>? _byRole;

    private readonly record struct Item(string Role, string Path, long Offset, int Length, bool InScratch, int Order);

    public PendingQueueBatch(string path, int runSize = DefaultRunSize)
    {
        _path = path;
        _runSize = runSize;
        // The last entry for a path wins (queued again, perhaps for another role): by path, newest first.
        _byPath = new ExternalSorter<Item>(path + ".bypath", static (a, b) =>
            string.CompareOrdinal(a.Path, b.Path) is var c and not 0 ? c : b.Order.CompareTo(a.Order), Write, Read, runSize);
    }

    /// <summary>Sorted runs spilled to disk so far, by both sorts (for tests).</summary>
    public int RunsSpilled => _byPath.RunsSpilled + (_byRole?.RunsSpilled ?? 0);

    public void Add(string role, string targetPath, TargetFile target)
    {
        if (_scratch is null)
        {
            var scratchPath = _path + ".batch";
            _scratch = new FileStream(scratchPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            // Unlinked at once: the batch reads it through the open handle, and nothing is left behind by a crash.
            File.Delete(scratchPath);
        }
        var bytes = PendingTargetsFile.EntryBytes(target);
        _scratch.Write(bytes);
        _byPath.Add(new Item(role, targetPath, _scratchLength, bytes.Length, InScratch: true, _order++));
        _scratchLength += bytes.Length;
    }

    /// <summary>Writes the merged queue; returns how many distinct target paths this batch queued.</summary>
    public int Commit()
    {
        // Entries already queued come before (order below) this batch's.
        int order = int.MinValue;
        foreach (var entry in PendingTargetsFile.ReadEntries(_path))
            _byPath.Add(new Item(entry.Role, entry.Path, entry.Offset, entry.Json.Length, InScratch: false, order++));

        _byRole = new ExternalSorter<Item>(_path + ".byrole", static (a, b) =>
            string.CompareOrdinal(a.Role, b.Role) is var c and not 0 ? c : string.CompareOrdinal(a.Path, b.Path), Write, Read, _runSize);
        int queued = 0;
        bool anyOld = false;
        string? last = null;
        foreach (var item in _byPath.Sorted())
        {
            if (item.Path == last) continue;
            last = item.Path;
            if (item.InScratch) queued++;
            else anyOld = true;
            _byRole.Add(item);
        }

        _scratch?.Flush();
        using var old = anyOld ? File.OpenHandle(_path) : null;
        using var writer = new PendingQueueWriter(_path, (int)Math.Min(_byRole.Count, int.MaxValue));
        var buffer = new byte[4096];
        foreach (var item in _byRole.Sorted())
        {
            if (buffer.Length < item.Length) buffer = new byte[Math.Max(item.Length, buffer.Length * 2)];
            var span = buffer.AsSpan(0, item.Length);
            var handle = item.InScratch ? _scratch!.SafeFileHandle : old!;
            int read = 0;
            while (read < span.Length)
            {
                int n = RandomAccess.Read(handle, span[read..], item.Offset + read);
                if (n == 0) throw new PublisherException($"{_path} changed while the queue was being written");
                read += n;
            }
            writer.Write(item.Role, item.Path, span);
        }
        writer.Complete();
        return queued;
    }

    private static void Write(BinaryWriter w, Item item)
    {
        w.Write(item.Role);
        w.Write(item.Path);
        w.Write(item.Offset);
        w.Write(item.Length);
        w.Write(item.InScratch);
        w.Write(item.Order);
    }

    private static Item Read(BinaryReader r)
        => new(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt32(), r.ReadBoolean(), r.ReadInt32());

    public void Dispose()
    {
        _scratch?.Dispose();
        _byPath.Dispose();
        _byRole?.Dispose();
    }
}
