using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// One <see cref="PackageEntry"/> as bytes, as the index cache (<see cref="IndexDatabase"/>) keeps it: target path,
/// role, int64 length, int32 hashes, (algorithm, value)..., custom JSON (-1: none), int32 kept provides (-1: all),
/// int32 index of a kept provide... (integers little-endian, strings as an int32 byte count and UTF-8). Decoding
/// parses the signed custom data again, exactly as the index did from the role; the positions of the kept provides
/// say which of them the trust policy refused.
/// </summary>
internal static class EntryCodec
{
    public static byte[] Encode(PackageEntry entry)
    {
        var body = new ArrayBufferWriter<byte>(256);
        Str(body, entry.TargetPath); Str(body, entry.Role); Long(body, entry.Target.Length);
        Int(body, entry.Target.Hashes.Count);
        foreach (var (alg, value) in entry.Target.Hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) { Str(body, alg); Str(body, value); }
        if (entry.Target.CustomUtf8 is { } signedCustom) Bytes(body, signedCustom.Span);   // as signed: no DOM to build and write again
        else if (entry.Target.Custom is null) Int(body, -1);
        else
        {
            var json = new ArrayBufferWriter<byte>();
            using (var jsonWriter = new Utf8JsonWriter(json)) entry.Target.Custom.WriteTo(jsonWriter);
            Bytes(body, json.WrittenSpan);
        }
        // Provides the trust policy refused are left out of the candidate: keep the positions of the others.
        var original = ReadProvides(entry);
        if (original.Count == entry.Candidate.Provides.Count) Int(body, -1);
        else
        {
            Int(body, entry.Candidate.Provides.Count);
            int from = 0;
            foreach (var kept in entry.Candidate.Provides)
            {
                while (!Equals(original[from], kept)) from++;
                Int(body, from++);
            }
        }
        return body.WrittenSpan.ToArray();
    }

    /// <summary>The entry in <paramref name="bytes"/>; InvalidDataException when malformed.</summary>
    public static PackageEntry Decode(ReadOnlySpan<byte> bytes, string what)
    {
        try { return DecodeUnchecked(bytes, what); }
        catch (Exception e) when (e is ArgumentException or JsonException or OverflowException or IndexOutOfRangeException or FormatException)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
    }

    private static PackageEntry DecodeUnchecked(ReadOnlySpan<byte> bytes, string what)
    {
        int at = 0;
        var path = Str(bytes, ref at); var role = Str(bytes, ref at);
        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(at, 8)); at += 8;
        int hashCount = Int(bytes, ref at);
        if (hashCount < 0 || hashCount > bytes.Length / 8) throw new InvalidDataException($"{what}: hashes");
        var hashes = new Dictionary<string, string>(hashCount, StringComparer.Ordinal);
        for (int i = 0; i < hashCount; i++) hashes[Str(bytes, ref at)] = Str(bytes, ref at);
        int customLength = Int(bytes, ref at);
        if (customLength < 0) throw new InvalidDataException($"{what}: no package");
        // Kept as bytes (as a target read from a role): the custom object is parsed only if someone reads it.
        var custom = bytes.Slice(at, customLength).ToArray();
        at += customLength;
        var target = TargetFile.WithCustomUtf8(length, hashes, custom);
        var entry = PackageInfoReader.Read(path, target, custom, role) ?? throw new InvalidDataException($"{what}: no package");
        int kept = Int(bytes, ref at);
        if (kept >= 0)
        {
            var provides = new List<Provide>(kept);
            for (int i = 0; i < kept; i++) provides.Add(entry.Candidate.Provides[Int(bytes, ref at)]);
            entry = entry with { Candidate = entry.Candidate with { Provides = provides } };
        }
        if (at != bytes.Length) throw new InvalidDataException($"{what}: {bytes.Length - at} bytes after the entry");
        return entry;
    }

    /// <summary>The provides as signed, before the trust policy: the entry's own when none was refused.</summary>
    public static IReadOnlyList<Provide> ReadProvides(PackageEntry entry)
        => entry.SignedProvides ?? (entry.Target.Custom?["stork"]?["provides"] is JsonArray signed && signed.Count != entry.Candidate.Provides.Count
            ? signed.Select(p => Provide.Parse(p!.GetValue<string>())).ToList()
            : entry.Candidate.Provides);

    /// <summary>The entry with every provide as signed (undoing the trust policy's refusals, to apply it again).</summary>
    public static PackageEntry WithSignedProvides(PackageEntry entry)
        => entry with { Candidate = entry.Candidate with { Provides = ReadProvides(entry) } };

    private static int Int(ReadOnlySpan<byte> bytes, ref int at)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(at, 4));
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

    private static void Int(ArrayBufferWriter<byte> to, int value) { BinaryPrimitives.WriteInt32LittleEndian(to.GetSpan(4), value); to.Advance(4); }
    private static void Long(ArrayBufferWriter<byte> to, long value) { BinaryPrimitives.WriteInt64LittleEndian(to.GetSpan(8), value); to.Advance(8); }
    private static void Str(ArrayBufferWriter<byte> to, string value) => Bytes(to, Encoding.UTF8.GetBytes(value));
    private static void Bytes(ArrayBufferWriter<byte> to, ReadOnlySpan<byte> value) { Int(to, value.Length); to.Write(value); }
}
