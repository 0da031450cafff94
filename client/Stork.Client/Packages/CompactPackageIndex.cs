using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// A built <see cref="PackageIndex"/> as bytes (the body of <see cref="PackageIndexCache"/>'s file), read lazily:
/// opening it reads only the name and provider tables; an entry is decoded when a command asks for its name, so a
/// command that looks up a few packages costs the lookups, not the repository. Layout (integers little-endian,
/// strings as an int32 byte count and UTF-8):
/// <code>
/// int32 entries, int32 names, int32 provided names
/// names:     name, summary of the newest version, int32 first entry, int32 count   (ordinal order; entries of one
///            name are contiguous, newest version first)
/// providers: name, int32 count, int32 entry...                                     (in the order they were added)
/// offsets:   int32 per entry: where it starts, from the start of the entries
/// entries:   target path, role, int64 length, int32 hashes, (algorithm, value)..., custom JSON (-1: none),
///            int32 kept provides (-1: all), int32 index of a kept provide...
/// </code>
/// The file around it carries a SHA-256 of these bytes; here a malformed layout is an <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class CompactPackageIndex
{
    private readonly byte[] _bytes;
    private readonly int _offsets, _entries;
    private readonly PackageEntry?[] _decoded;
    private readonly Dictionary<string, (int First, int Count, string Summary)> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _providers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _names.Keys;

    private CompactPackageIndex(byte[] bytes, int start)
    {
        _bytes = bytes;
        int at = start;
        int entries = Int(ref at), names = Int(ref at), provided = Int(ref at);
        if (entries < 0 || names < 0 || provided < 0) throw new InvalidDataException("negative count");
        // Every entry, name and provider takes at least 4, 16 and 8 bytes: refuse counts the bytes cannot hold.
        if (4L * entries + 16L * names + 8L * provided > bytes.Length - at) throw new InvalidDataException("counts beyond the end");
        _decoded = new PackageEntry?[entries];
        _names.EnsureCapacity(names);
        for (int i = 0; i < names; i++)
        {
            var name = Str(ref at); var summary = Str(ref at);
            int first = Int(ref at), count = Int(ref at);
            if (first < 0 || count <= 0 || first > entries - count || !_names.TryAdd(name, (first, count, summary)))
                throw new InvalidDataException($"name table entry {i}");
        }
        for (int i = 0; i < provided; i++)
        {
            var name = Str(ref at);
            int count = Int(ref at);
            if (count <= 0 || count > (bytes.Length - at) / 4) throw new InvalidDataException($"provider table entry {i}");
            var list = new int[count];
            for (int j = 0; j < count; j++)
                if ((uint)(list[j] = Int(ref at)) >= (uint)entries) throw new InvalidDataException($"provider table entry {i}");
            if (!_providers.TryAdd(name, list)) throw new InvalidDataException($"provider table entry {i}");
        }
        _offsets = at;
        _entries = checked(at + 4 * entries);
        if (_entries > bytes.Length) throw new InvalidDataException("entry offsets");
    }

    /// <summary>The index in <paramref name="bytes"/> from <paramref name="start"/>; InvalidDataException when malformed.</summary>
    public static CompactPackageIndex Open(byte[] bytes, int start)
    {
        try { return new CompactPackageIndex(bytes, start); }
        catch (Exception e) when (e is ArgumentException or OverflowException) { throw new InvalidDataException(e.Message, e); }
    }

    public IReadOnlyList<PackageEntry> VersionsOf(string name)
    {
        if (!_names.TryGetValue(name, out var range)) return [];
        var list = new PackageEntry[range.Count];
        for (int i = 0; i < range.Count; i++) list[i] = Entry(range.First + i);
        return list;
    }

    public IReadOnlyList<PackageEntry> ProvidersOf(string name)
        => _providers.TryGetValue(name, out var list) ? list.Select(Entry).ToList() : [];

    /// <summary>The newest entry of every name whose name or newest summary contains the text, in name order.</summary>
    public IReadOnlyList<PackageEntry> Search(string text)
        => _names.Where(n => n.Key.Contains(text, StringComparison.OrdinalIgnoreCase) || n.Value.Summary.Contains(text, StringComparison.OrdinalIgnoreCase))
            .OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => Entry(n.Value.First)).ToList();

    private PackageEntry Entry(int index)
    {
        if (_decoded[index] is { } done) return done;
        int at = _offsets + 4 * index;
        at = checked(_entries + Int(ref at));
        var path = Str(ref at); var role = Str(ref at);
        long length = BinaryPrimitives.ReadInt64LittleEndian(_bytes.AsSpan(at, 8)); at += 8;
        int hashCount = Int(ref at);
        var hashes = new Dictionary<string, string>(hashCount, StringComparer.Ordinal);
        for (int i = 0; i < hashCount; i++) hashes[Str(ref at)] = Str(ref at);
        int customLength = Int(ref at);
        JsonObject? custom = customLength < 0 ? null
            : JsonNode.Parse(_bytes.AsSpan(at, customLength)) as JsonObject ?? throw new InvalidDataException($"entry {index}: custom");
        at += Math.Max(customLength, 0);
        var target = new TargetFile(length, hashes, custom);
        if (custom?["stork"] is not JsonObject info) throw new InvalidDataException($"entry {index}: no package");
        PackageEntry entry;
        try { entry = PackageIndex.ReadEntry(path, target, info, role); }
        catch (FormatException e) { throw new InvalidDataException($"entry {index}: {e.Message}", e); }
        int kept = Int(ref at);
        if (kept >= 0)
        {
            var provides = new List<Provide>(kept);
            for (int i = 0; i < kept; i++) provides.Add(entry.Candidate.Provides[Int(ref at)]);
            entry = entry with { Candidate = entry.Candidate with { Provides = provides } };
        }
        return _decoded[index] = entry;
    }

    private int Int(ref int at)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(_bytes.AsSpan(at, 4));
        at += 4;
        return value;
    }

    private string Str(ref int at)
    {
        int length = Int(ref at);
        var value = Encoding.UTF8.GetString(_bytes.AsSpan(at, length));
        at += length;
        return value;
    }

    /// <summary>The bytes of <paramref name="index"/> (an index built from targets, not one read from bytes).</summary>
    public static byte[] Write(PackageIndex index)
    {
        var inOrder = index.EntriesInOrder;
        var number = new Dictionary<PackageEntry, int>(ReferenceEqualityComparer.Instance);
        var names = index.Names.Order(StringComparer.Ordinal).ToList();
        var sorted = new List<PackageEntry>(inOrder.Count);
        foreach (var name in names)
            foreach (var entry in index.VersionsOf(name)) { number[entry] = sorted.Count; sorted.Add(entry); }
        var providers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var providerOrder = new List<string>();
        foreach (var entry in inOrder)
            foreach (var provide in entry.Candidate.Provides)
            {
                if (!providers.TryGetValue(provide.Name, out var list)) { providers[provide.Name] = list = []; providerOrder.Add(provide.Name); }
                list.Add(number[entry]);
            }

        var head = new Writer();
        head.Int(sorted.Count); head.Int(names.Count); head.Int(providerOrder.Count);
        int next = 0;
        foreach (var name in names)
        {
            var versions = index.VersionsOf(name);
            head.Str(name); head.Str(versions[0].Summary); head.Int(next); head.Int(versions.Count);
            next += versions.Count;
        }
        foreach (var name in providerOrder)
        {
            head.Str(name); head.Int(providers[name].Count);
            foreach (var i in providers[name]) head.Int(i);
        }
        var body = new Writer();
        var json = new ArrayBufferWriter<byte>();
        using var jsonWriter = new Utf8JsonWriter(json);
        foreach (var entry in sorted)
        {
            head.Int(body.Length);
            body.Str(entry.TargetPath); body.Str(entry.Role); body.Long(entry.Target.Length);
            body.Int(entry.Target.Hashes.Count);
            foreach (var (alg, value) in entry.Target.Hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) { body.Str(alg); body.Str(value); }
            if (entry.Target.Custom is null) body.Int(-1);
            else
            {
                json.Clear();
                jsonWriter.Reset(json);
                entry.Target.Custom.WriteTo(jsonWriter);
                jsonWriter.Flush();
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
        }
        var bytes = new byte[head.Length + body.Length];
        head.CopyTo(bytes, 0); body.CopyTo(bytes, head.Length);
        return bytes;
    }

    /// <summary>The provides as signed, before the trust policy: the entry's own when none was refused.</summary>
    private static IReadOnlyList<Provide> ReadProvides(PackageEntry entry)
        => entry.Target.Custom?["stork"]?["provides"] is JsonArray signed && signed.Count != entry.Candidate.Provides.Count
            ? signed.Select(p => Provide.Parse(p!.GetValue<string>())).ToList()
            : entry.Candidate.Provides;


    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();
        public int Length => checked((int)_stream.Length);
        public void Int(int value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, value); _stream.Write(b); }
        public void Long(long value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, value); _stream.Write(b); }
        public void Str(string value) => Bytes(Encoding.UTF8.GetBytes(value));
        public void Bytes(ReadOnlySpan<byte> value) { Int(value.Length); _stream.Write(value); }
        public void CopyTo(byte[] target, int at) => _stream.GetBuffer().AsSpan(0, Length).CopyTo(target.AsSpan(at));
    }
}
