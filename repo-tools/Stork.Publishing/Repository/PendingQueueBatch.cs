using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// The entries one <see cref="AddBatch"/> queues. Each entry's JSON goes to an unlinked scratch file as it is added;
/// memory holds only its role, path and place there, so a batch of any size costs a few dozen bytes per package.
/// <see cref="Commit"/> merges them with the queue already on disk (read as a stream; a path queued again replaces
/// the earlier entry) into a new queue file, in order of role then path.
/// </summary>
internal sealed class PendingQueueBatch : IDisposable
{
    private readonly string _path;
    private FileStream? _scratch;
    private long _scratchLength;
    private readonly List<Item> _added = [];

    private readonly record struct Item(string Role, string Path, long Offset, int Length, bool InScratch, int Order);

    public PendingQueueBatch(string path) => _path = path;

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
        _added.Add(new Item(role, targetPath, _scratchLength, bytes.Length, InScratch: true, _added.Count));
        _scratchLength += bytes.Length;
    }

    /// <summary>Writes the merged queue; returns how many distinct target paths this batch queued.</summary>
    public int Commit()
    {
        // One list for both: entries already queued come before (order below) this batch's.
        var items = _added;
        int order = int.MinValue;
        foreach (var entry in PendingTargetsFile.ReadEntries(_path))
            items.Add(new Item(entry.Role, entry.Path, entry.Offset, entry.Json.Length, InScratch: false, order++));

        // The last entry for a path wins (queued again, perhaps for another role): sorted by path, newest first,
        // then compacted in place (no second list).
        items.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path) is var c and not 0 ? c : b.Order.CompareTo(a.Order));
        int count = 0, queued = 0;
        for (int i = 0; i < items.Count; i++)
            if (count == 0 || items[count - 1].Path != items[i].Path)
            {
                if (items[i].InScratch) queued++;
                items[count++] = items[i];
            }
        items.RemoveRange(count, items.Count - count);
        var kept = items;
        kept.Sort(static (a, b) => string.CompareOrdinal(a.Role, b.Role) is var c and not 0 ? c : string.CompareOrdinal(a.Path, b.Path));

        _scratch?.Flush();
        using var old = kept.Any(i => !i.InScratch) ? File.OpenHandle(_path) : null;
        using var writer = new PendingQueueWriter(_path, kept.Count);
        var buffer = new byte[4096];
        foreach (var item in kept)
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

    public void Dispose() => _scratch?.Dispose();
}
