using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// A built <see cref="PackageIndex"/> as bytes (the body of <see cref="PackageIndexCache"/>'s file), read lazily by
/// range: opening it reads a 24-byte head; a lookup binary-searches the sorted name (or provider) records and decodes
/// only the entries it returns, so a command that looks up a few packages reads a few pages, not the repository.
/// Search reads the names and summaries but decodes no entry. Layout (integers little-endian int32, strings as an
/// int32 byte count and UTF-8; offsets from the start of their section):
/// <code>
/// head:      entries, names, provided names, provider references, heap length, entries length
/// names:     per name: heap offset (the name, then the summary of its newest version), first entry, count
///            (names in UTF-8 byte order; the entries of one name are contiguous, newest version first)
/// providers: per provided name: heap offset of the name, first reference, count       (UTF-8 byte order)
/// refs:      an entry number per provide as signed (each name's in target path order); a lookup skips the entries
///            whose provide the trust policy refused, so an update can find them again when the owners change
/// offsets:   where each entry starts in the entries section
/// heap:      strings
/// entries:   target path, role, int64 length, int32 hashes, (algorithm, value)..., custom JSON (-1: none),
///            int32 kept provides (-1: all), int32 index of a kept provide...
/// </code>
/// The sections must add up to the length exactly; any other malformation is an <see cref="InvalidDataException"/>
/// when it is read. The file around it checks every block it reads against a hash (<see cref="VerifiedBlockFile"/>).
/// </summary>
internal sealed class CompactPackageIndex
{
    private const int HeadSize = 24, RecordSize = 12;
    private readonly IIndexBytes _bytes;
    private readonly int _entryCount, _nameCount, _providedCount, _refCount, _heapLength, _entriesLength;
    private readonly long _names, _providers, _refs, _offsets, _heap, _entries;
    private readonly Dictionary<int, PackageEntry> _decoded = [];

    public int NameCount => _nameCount;

    /// <summary>Every name (decoded when enumerated; the count is known without reading them).</summary>
    public IReadOnlyCollection<string> Names => new NameList(this);

    private CompactPackageIndex(IIndexBytes bytes)
    {
        _bytes = bytes;
        var head = bytes.Read(0, HeadSize);
        _entryCount = I(head, 0); _nameCount = I(head, 4); _providedCount = I(head, 8);
        _refCount = I(head, 12); _heapLength = I(head, 16); _entriesLength = I(head, 20);
        if (_entryCount < 0 || _nameCount < 0 || _providedCount < 0 || _refCount < 0 || _heapLength < 0 || _entriesLength < 0)
            throw new InvalidDataException("negative count");
        _names = HeadSize;
        _providers = _names + (long)RecordSize * _nameCount;
        _refs = _providers + (long)RecordSize * _providedCount;
        _offsets = _refs + 4L * _refCount;
        _heap = _offsets + 4L * _entryCount;
        _entries = _heap + _heapLength;
        if (_entries + _entriesLength != bytes.Length) throw new InvalidDataException("the sections do not add up to the index's length");
        // The writer builds the index in one array, so every section (read whole by search) fits an int.
        if (bytes.Length > Array.MaxLength) throw new InvalidDataException("longer than an index can be");
    }

    /// <summary>The index in <paramref name="bytes"/> from <paramref name="start"/>; InvalidDataException when malformed.</summary>
    public static CompactPackageIndex Open(byte[] bytes, int start) => Open(new ArrayIndexBytes(bytes, start));

    internal static CompactPackageIndex Open(IIndexBytes bytes) => new(bytes);

    public IReadOnlyList<PackageEntry> VersionsOf(string name)
    {
        int i = Find(_names, _nameCount, name);
        if (i < 0) return [];
        var (_, first, count) = Record(_names, i);
        if (first < 0 || count <= 0 || first > _entryCount - count) throw new InvalidDataException($"name record {i}");
        var list = new PackageEntry[count];
        for (int j = 0; j < count; j++) list[j] = Entry(first + j);
        return list;
    }

    public IReadOnlyList<PackageEntry> ProvidersOf(string name)
    {
        int i = Find(_providers, _providedCount, name);
        if (i < 0) return [];
        var (_, first, count) = Record(_providers, i);
        if (first < 0 || count <= 0 || first > _refCount - count) throw new InvalidDataException($"provider record {i}");
        var refs = _bytes.Read(_refs + 4L * first, 4 * count);
        var list = new List<PackageEntry>(count);
        for (int j = 0; j < count; j++)
        {
            // The table lists provides as signed; one the trust policy refused is not a provider.
            var entry = Entry(I(refs, 4 * j));
            if (entry.Candidate.Provides.Any(p => p.Name == name)) list.Add(entry);
        }
        return list;
    }

    /// <summary>The newest entry of every name whose name or newest summary contains the text, in name order.</summary>
    public IReadOnlyList<PackageEntry> Search(string text)
    {
        // One read of the name records and one of the heap, then a scan in memory: no entry is decoded but the hits.
        var records = _bytes.Read(_names, RecordSize * _nameCount);
        var heap = _bytes.Read(_heap, _heapLength);
        var needle = new TextMatch(text);
        var found = new List<(string Name, int First)>();
        for (int i = 0; i < _nameCount; i++)
        {
            int at = I(records, RecordSize * i), first = I(records, RecordSize * i + 4);
            var name = HeapString(heap, at, out var next);
            if (needle.IsIn(name) || needle.IsIn(HeapString(heap, next, out _)))
                found.Add((Encoding.UTF8.GetString(name), first));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return found.Select(f => Entry(f.First)).ToList();
    }

    /// <summary>"Contains, ignoring case" (as string.Contains with OrdinalIgnoreCase) on UTF-8 bytes: ASCII text in
    /// ASCII bytes is compared without decoding them; anything else is decoded first.</summary>
    private sealed class TextMatch(string text)
    {
        private readonly byte[]? _ascii = System.Text.Ascii.IsValid(text) ? Encoding.ASCII.GetBytes(text.ToLowerInvariant()) : null;

        public bool IsIn(ReadOnlySpan<byte> utf8)
        {
            if (_ascii is null || !System.Text.Ascii.IsValid(utf8))
                return Encoding.UTF8.GetString(utf8).Contains(text, StringComparison.OrdinalIgnoreCase);
            if (_ascii.Length == 0) return true;
            for (int i = 0; i + _ascii.Length <= utf8.Length; i++)
                if (System.Text.Ascii.EqualsIgnoreCase(utf8.Slice(i, _ascii.Length), _ascii)) return true;
            return false;
        }
    }

    private static ReadOnlySpan<byte> HeapString(ReadOnlySpan<byte> heap, long at, out long next)
    {
        if (at < 0 || at > heap.Length - 4L) throw new InvalidDataException($"heap offset {at}");
        int length = I(heap, (int)at);
        if (length < 0 || at + 4 + length > heap.Length) throw new InvalidDataException($"heap string at {at}");
        next = at + 4 + length;
        return heap.Slice((int)at + 4, length);
    }

    /// <summary>The record number of <paramref name="name"/> in a table sorted by UTF-8 bytes, or -1.</summary>
    private int Find(long table, int count, string name)
    {
        var wanted = Encoding.UTF8.GetBytes(name);
        int low = 0, high = count - 1;
        while (low <= high)
        {
            int middle = (int)(((uint)low + (uint)high) >> 1);
            int order = HeapString(Record(table, middle).At, out _).SequenceCompareTo(wanted);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1; else high = middle - 1;
        }
        return -1;
    }

    private (int At, int First, int Count) Record(long table, int i)
    {
        var record = _bytes.Read(table + (long)RecordSize * i, RecordSize);
        return (I(record, 0), I(record, 4), I(record, 8));
    }

    private ReadOnlySpan<byte> HeapString(long at, out long next)
    {
        if (at < 0 || at > _heapLength - 4L) throw new InvalidDataException($"heap offset {at}");
        int length = I(_bytes.Read(_heap + at, 4), 0);
        if (length < 0 || at + 4 + length > _heapLength) throw new InvalidDataException($"heap string at {at}");
        next = at + 4 + length;
        return _bytes.Read(_heap + at + 4, length);
    }

    private PackageEntry Entry(int index)
    {
        if ((uint)index >= (uint)_entryCount) throw new InvalidDataException($"entry number {index}");
        lock (_decoded)
            if (_decoded.TryGetValue(index, out var done)) return done;
        var offsets = _bytes.Read(_offsets + 4L * index, index + 1 < _entryCount ? 8 : 4);
        int start = I(offsets, 0), end = index + 1 < _entryCount ? I(offsets, 4) : _entriesLength;
        if (start < 0 || start > end || end > _entriesLength) throw new InvalidDataException($"entry {index}: offsets");
        PackageEntry entry;
        try { entry = Decode(_bytes.Read(_entries + start, end - start), index); }
        catch (Exception e) when (e is ArgumentException or JsonException or OverflowException) { throw new InvalidDataException($"entry {index}: {e.Message}", e); }
        // Lookups may come from several threads: the first decoded copy of an entry is the one every caller gets.
        lock (_decoded) return _decoded.TryAdd(index, entry) ? entry : _decoded[index];
    }

    private static PackageEntry Decode(ReadOnlySpan<byte> bytes, int index)
    {
        int at = 0;
        var path = Str(bytes, ref at); var role = Str(bytes, ref at);
        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(at, 8)); at += 8;
        int hashCount = Int(bytes, ref at);
        if (hashCount < 0 || hashCount > bytes.Length / 8) throw new InvalidDataException($"entry {index}: hashes");
        var hashes = new Dictionary<string, string>(hashCount, StringComparer.Ordinal);
        for (int i = 0; i < hashCount; i++) hashes[Str(bytes, ref at)] = Str(bytes, ref at);
        int customLength = Int(bytes, ref at);
        if (customLength < 0) throw new InvalidDataException($"entry {index}: no package");
        // Kept as bytes (as a target read from a role): the custom object is parsed only if someone reads it.
        var custom = bytes.Slice(at, customLength).ToArray();
        at += customLength;
        var target = TargetFile.WithCustomUtf8(length, hashes, custom);
        PackageEntry entry;
        try { entry = PackageInfoReader.Read(path, target, custom, role) ?? throw new InvalidDataException($"entry {index}: no package"); }
        catch (FormatException e) { throw new InvalidDataException($"entry {index}: {e.Message}", e); }
        int kept = Int(bytes, ref at);
        if (kept >= 0)
        {
            var provides = new List<Provide>(kept);
            for (int i = 0; i < kept; i++) provides.Add(entry.Candidate.Provides[Int(bytes, ref at)]);
            entry = entry with { Candidate = entry.Candidate with { Provides = provides } };
        }
        return entry;
    }

    private static int I(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(at, 4));

    private static int Int(ReadOnlySpan<byte> bytes, ref int at)
    {
        var value = I(bytes, at);
        at += 4;
        return value;
    }

    private static string Str(ReadOnlySpan<byte> bytes, ref int at)
    {
        int length = Int(bytes, ref at);
        var value = Encoding.UTF8.GetString(bytes.Slice(at, length));
        at += length;
        return value;
    }

    private sealed class NameList(CompactPackageIndex index) : IReadOnlyCollection<string>
    {
        public int Count => index._nameCount;

        public IEnumerator<string> GetEnumerator()
        {
            var names = new List<string>(index._nameCount);
            var records = index._bytes.Read(index._names, RecordSize * index._nameCount);
            var heap = index._bytes.Read(index._heap, index._heapLength);
            for (int i = 0; i < index._nameCount; i++)
                names.Add(Encoding.UTF8.GetString(HeapString(heap, I(records, RecordSize * i), out _)));
            return names.GetEnumerator();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    internal static readonly Comparer<byte[]> Utf8Order = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    /// <summary>One entry as the writer takes it: its encoded bytes, its target path and the names it provides as signed.</summary>
    internal sealed record Slot(ReadOnlyMemory<byte> Bytes, string Path, IReadOnlyList<string> Declared);

    /// <summary>One name's entries, newest first, and the summary of the newest.</summary>
    internal sealed record NameGroup(byte[] Name, byte[] Summary, List<Slot> Entries);

    /// <summary>The bytes of <paramref name="index"/> (an index built from targets, not one read from bytes).</summary>
    public static byte[] Write(PackageIndex index)
    {
        _ = index.EntriesInOrder; // only an index built from targets
        var groups = new List<NameGroup>();
        foreach (var name in index.Names.Select(n => Encoding.UTF8.GetBytes(n)).Order(Utf8Order))
        {
            var versions = index.VersionsOf(Encoding.UTF8.GetString(name));
            groups.Add(new NameGroup(name, Encoding.UTF8.GetBytes(versions[0].Summary), versions.Select(SlotOf).ToList()));
        }
        return Write(groups);
    }

    internal static Slot SlotOf(PackageEntry entry) => new(Encode(entry), entry.TargetPath, ReadProvides(entry).Select(p => p.Name).ToList());

    /// <summary>The bytes of an index of <paramref name="groups"/>, which are in UTF-8 order of their names.</summary>
    internal static byte[] Write(IReadOnlyList<NameGroup> groups)
    {
        var providers = new Dictionary<string, List<(string Path, int Entry)>>(StringComparer.Ordinal);
        int number = 0;
        foreach (var group in groups)
            foreach (var slot in group.Entries)
            {
                foreach (var name in slot.Declared)
                {
                    if (!providers.TryGetValue(name, out var list)) providers[name] = list = [];
                    list.Add((slot.Path, number));
                }
                number++;
            }
        var provided = providers.Keys.Select(n => Encoding.UTF8.GetBytes(n)).Order(Utf8Order).ToList();

        var heap = new Writer();
        var nameRecords = new Writer();
        int next = 0;
        foreach (var group in groups)
        {
            nameRecords.Int(heap.Length); nameRecords.Int(next); nameRecords.Int(group.Entries.Count);
            heap.Bytes(group.Name); heap.Bytes(group.Summary);
            next += group.Entries.Count;
        }
        var providerRecords = new Writer();
        var refs = new Writer();
        int refCount = 0;
        foreach (var name in provided)
        {
            // Target path order (stable for one entry's repeated provides): what an index built from targets has.
            var list = providers[Encoding.UTF8.GetString(name)].OrderBy(p => p.Path, StringComparer.Ordinal).ToList();
            providerRecords.Int(heap.Length); providerRecords.Int(refCount); providerRecords.Int(list.Count);
            heap.Bytes(name);
            foreach (var (_, i) in list) refs.Int(i);
            refCount += list.Count;
        }
        var offsets = new Writer();
        var body = new Writer();
        foreach (var group in groups)
            foreach (var slot in group.Entries)
            {
                offsets.Int(body.Length);
                body.Raw(slot.Bytes.Span);
            }
        var head = new Writer();
        head.Int(next); head.Int(groups.Count); head.Int(provided.Count); head.Int(refCount); head.Int(heap.Length); head.Int(body.Length);
        Writer[] sections = [head, nameRecords, providerRecords, refs, offsets, heap, body];
        var bytes = new byte[sections.Sum(w => (long)w.Length)];
        int at = 0;
        foreach (var section in sections) { section.CopyTo(bytes, at); at += section.Length; }
        return bytes;
    }

    /// <summary>One entry's bytes: target path, role, length, hashes, custom JSON and the positions of the kept provides.</summary>
    internal static byte[] Encode(PackageEntry entry)
    {
        // One buffer per thread, reused: a build encodes every entry of the repository.
        var body = _entryWriter ??= new Writer();
        body.Reset();
        body.Str(entry.TargetPath); body.Str(entry.Role); body.Long(entry.Target.Length);
        body.Int(entry.Target.Hashes.Count);
        foreach (var (alg, value) in entry.Target.Hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) { body.Str(alg); body.Str(value); }
        if (entry.Target.CustomUtf8 is { } custom) body.Bytes(custom.Span);   // as signed: no DOM to build and write again
        else if (entry.Target.Custom is null) body.Int(-1);
        else
        {
            var json = new ArrayBufferWriter<byte>();
            using (var jsonWriter = new Utf8JsonWriter(json)) entry.Target.Custom.WriteTo(jsonWriter);
            body.Bytes(json.WrittenSpan);
        }
        // Provides the trust policy refused are left out of the candidate: keep the positions of the others.
        var original = ReadProvides(entry);
        if (original.Count == entry.Candidate.Provides.Count) body.Int(-1);
        else
        {
            body.Int(entry.Candidate.Provides.Count);
            int from = 0;
            foreach (var kept in entry.Candidate.Provides)
            {
                while (!Equals(original[from], kept)) from++;
                body.Int(from++);
            }
        }
        return body.ToArray();
    }

    /// <summary>
    /// Every name's entries as slots over this index's bytes (read whole, each block checked), for an update that
    /// keeps most of them as they are. Also the target path of each entry number (the order they are stored in).
    /// </summary>
    internal List<NameGroup> ReadGroups()
    {
        var records = _bytes.Read(_names, RecordSize * _nameCount).ToArray();
        var heap = _bytes.Read(_heap, _heapLength).ToArray();
        var offsets = _bytes.Read(_offsets, 4 * _entryCount).ToArray();
        var entries = _bytes.Read(_entries, _entriesLength).ToArray();
        var declared = new List<string>?[_entryCount];
        var providerRecords = _bytes.Read(_providers, RecordSize * _providedCount).ToArray();
        var refs = _bytes.Read(_refs, 4 * _refCount).ToArray();
        for (int i = 0; i < _providedCount; i++)
        {
            int at = I(providerRecords, RecordSize * i), first = I(providerRecords, RecordSize * i + 4), count = I(providerRecords, RecordSize * i + 8);
            if (first < 0 || count <= 0 || first > _refCount - count) throw new InvalidDataException($"provider record {i}");
            var name = Encoding.UTF8.GetString(HeapString(heap, at, out _));
            for (int j = first; j < first + count; j++)
            {
                int entry = I(refs, 4 * j);
                if ((uint)entry >= (uint)_entryCount) throw new InvalidDataException($"reference {j}");
                (declared[entry] ??= []).Add(name);
            }
        }
        var groups = new List<NameGroup>(_nameCount);
        int expected = 0;
        for (int i = 0; i < _nameCount; i++)
        {
            int at = I(records, RecordSize * i), first = I(records, RecordSize * i + 4), count = I(records, RecordSize * i + 8);
            if (first != expected || count <= 0 || first > _entryCount - count) throw new InvalidDataException($"name record {i}");
            expected += count;
            var name = HeapString(heap, at, out var next).ToArray();
            var summary = HeapString(heap, next, out _).ToArray();
            var slots = new List<Slot>(count);
            for (int j = first; j < first + count; j++)
            {
                int start = I(offsets, 4 * j), end = j + 1 < _entryCount ? I(offsets, 4 * (j + 1)) : _entriesLength;
                if (start < 0 || start > end || end > _entriesLength) throw new InvalidDataException($"entry {j}: offsets");
                var bytes = new ReadOnlyMemory<byte>(entries, start, end - start);
                int pos = 0;
                string path;
                try { path = Str(bytes.Span, ref pos); }
                catch (ArgumentException e) { throw new InvalidDataException($"entry {j}: {e.Message}", e); }
                slots.Add(new Slot(bytes, path, (IReadOnlyList<string>?)declared[j] ?? []));
            }
            groups.Add(new NameGroup(name, summary, slots));
        }
        if (expected != _entryCount) throw new InvalidDataException("name records do not cover the entries");
        return groups;
    }

    /// <summary>The role that signed an entry of <see cref="ReadGroups"/> (its second string), without decoding the rest.</summary>
    internal static string RoleOf(Slot slot)
    {
        int at = 0;
        try { _ = Str(slot.Bytes.Span, ref at); return Str(slot.Bytes.Span, ref at); }
        catch (ArgumentException e) { throw new InvalidDataException($"entry {slot.Path}: {e.Message}", e); }
    }

    /// <summary>An entry of <see cref="ReadGroups"/> decoded (its provides as the index keeps them).</summary>
    internal static PackageEntry DecodeSlot(Slot slot)
    {
        try { return Decode(slot.Bytes.Span, -1); }
        catch (Exception e) when (e is ArgumentException or JsonException or OverflowException) { throw new InvalidDataException($"entry {slot.Path}: {e.Message}", e); }
    }

    /// <summary>The provides as signed, before the trust policy: the entry's own when none was refused.</summary>
    internal static IReadOnlyList<Provide> ReadProvides(PackageEntry entry)
        => entry.SignedProvides ?? (entry.Target.Custom?["stork"]?["provides"] is JsonArray signed && signed.Count != entry.Candidate.Provides.Count
            ? signed.Select(p => Provide.Parse(p!.GetValue<string>())).ToList()
            : entry.Candidate.Provides);

    [ThreadStatic] private static Writer? _entryWriter;

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();
        public void Reset() => _stream.SetLength(0);
        public int Length => checked((int)_stream.Length);
        public void Int(int value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, value); _stream.Write(b); }
        public void Long(long value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, value); _stream.Write(b); }
        public void Str(string value) => Bytes(Encoding.UTF8.GetBytes(value));
        public void Bytes(ReadOnlySpan<byte> value) { Int(value.Length); _stream.Write(value); }
        public void Raw(ReadOnlySpan<byte> value) => _stream.Write(value);
        public byte[] ToArray() => _stream.ToArray();
        public void CopyTo(byte[] target, int at) => _stream.GetBuffer().AsSpan(0, Length).CopyTo(target.AsSpan(at));
    }
}
