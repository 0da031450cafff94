using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>One target: its exact length and hashes, and optional custom data (Stork puts package metadata there).</summary>
public sealed record TargetFile(long Length, IReadOnlyDictionary<string, string> Hashes, JsonObject? Custom = null)
{
    private JsonObject? _custom = Custom;
    /// <summary>Set by <see cref="WithCustomUtf8"/>: the custom object's bytes, parsed into <see cref="Custom"/> only when it is read.</summary>
    private ReadOnlyMemory<byte>? _customUtf8;

    /// <summary>The custom data; for a target read by <see cref="TargetsReader"/>, parsed from its bytes on first use.</summary>
    public JsonObject? Custom
    {
        get
        {
            if (_custom is null && _customUtf8 is { } utf8)
                Interlocked.CompareExchange(ref _custom, JsonNode.Parse(utf8.Span) as JsonObject ?? throw new FormatException("custom must be an object"), null);
            return _custom;
        }
        init
        {
            _custom = value;
            _customUtf8 = null;
        }
    }

    /// <summary>The custom object's bytes as signed when the target was read by <see cref="TargetsReader"/>; null otherwise.</summary>
    public ReadOnlyMemory<byte>? CustomUtf8 => _customUtf8;

    /// <summary>
    /// A target whose custom data stays as the bytes of a JSON object that a strict parse already checked (a slice of
    /// the verified role's bytes): a host holds hundreds of thousands of targets and reads few of their custom objects.
    /// </summary>
    public static TargetFile WithCustomUtf8(long length, IReadOnlyDictionary<string, string> hashes, ReadOnlyMemory<byte>? customUtf8)
        => new(length, hashes) { _customUtf8 = customUtf8 };

    /// <summary>Equal when the length and hashes are the same objects and so is the custom data (the same object, or the same bytes).</summary>
    public bool Equals(TargetFile? other)
        => other is not null && Length == other.Length && ReferenceEquals(Hashes, other.Hashes)
           && (_customUtf8 is { } mine && other._customUtf8 is { } theirs ? mine.Equals(theirs)
               : _customUtf8 is null && other._customUtf8 is null && ReferenceEquals(_custom, other._custom));

    public override int GetHashCode() => HashCode.Combine(Length, Hashes);

    public string Sha256 => Hashes.TryGetValue("sha256", out var h) ? h : throw new MetadataFormatException("target has no sha256 hash");

    public static TargetFile FromJson(JsonObject json, string what)
    {
        var length = StrictJson.RequireInteger(json, "length", what);
        if (length < 0) throw new MetadataFormatException($"{what}: length must not be negative");
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (alg, value) in StrictJson.RequireObject(json, "hashes", what))
            hashes[alg] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new MetadataFormatException($"{what}: hash {alg} must be a string");
        if (hashes.Count == 0) throw new MetadataFormatException($"{what}: hashes must not be empty");
        JsonObject? custom = null;
        if (json.ContainsKey("custom"))
            custom = json["custom"] as JsonObject ?? throw new MetadataFormatException($"{what}: custom must be an object");
        return new TargetFile(length, hashes, custom);
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["length"] = Length, ["hashes"] = HashesToJson(Hashes) };
        if (Custom is not null) json["custom"] = Custom.DeepClone();
        return json;
    }

    internal static JsonObject HashesToJson(IReadOnlyDictionary<string, string> hashes)
    {
        var json = new JsonObject();
        foreach (var (alg, value) in hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) json[alg] = value;
        return json;
    }
}
