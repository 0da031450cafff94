using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>
/// Reads a targets role's signed part straight from its bytes with a <see cref="Utf8JsonReader"/>, without a DOM per
/// target: each target keeps its path, length, hashes (<see cref="TargetHashes"/>) and its custom object as a slice
/// of the bytes (<see cref="TargetFile.WithCustomUtf8"/>), parsed only if someone reads it. The header and the
/// delegations (one small object per role) go through the DOM readers. Refuses exactly what
/// <see cref="TargetsMetadata.FromSigned"/> refuses over <see cref="SignedEnvelope.Parse"/>, with the same message,
/// checking in the same order (header, then each target in listed order, then delegations) whatever the key order.
/// </summary>
public static class TargetsReader
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = StrictJsonReader.MaxDepth };

    /// <summary>The targets metadata of a received envelope (already strictly checked by <see cref="ReceivedEnvelope.Parse"/>).</summary>
    public static TargetsMetadata Read(ReceivedEnvelope envelope, string what = "targets") => ReadChecked(envelope.Signed, what);

    /// <summary>The targets metadata of a signed part given as bytes: checked strictly first (as <see cref="StrictJson.ParseCanonicalObject"/>).</summary>
    public static TargetsMetadata Read(ReadOnlyMemory<byte> signed, string what = "targets")
    {
        try
        {
            StrictJsonReader.Check(signed.Span, what, integersOnly: true);
            var reader = new Utf8JsonReader(signed.Span, Options);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw new MetadataFormatException($"{what}: expected a JSON object");
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
        return ReadChecked(signed, what);
    }

    /// <summary>Reads bytes that are one JSON object <see cref="StrictJsonReader.Check"/> accepted.</summary>
    private static TargetsMetadata ReadChecked(ReadOnlyMemory<byte> signed, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(signed.Span, Options);
            reader.Read();
            // First pass over the top level: where each value we read starts (a copy of the reader there).
            var header = new JsonObject();
            bool hasTargets = false, hasDelegations = false;
            var targetsAt = default(Utf8JsonReader);
            int delegationsStart = 0, delegationsEnd = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                switch (key)
                {
                    case "_type" or "spec_version" or "version" or "expires":
                        header[key] = ValueNode(ref reader, signed.Span);
                        continue;
                    case "targets":
                        hasTargets = true;
                        targetsAt = reader;
                        break;
                    case "delegations":
                        hasDelegations = true;
                        delegationsStart = (int)reader.TokenStartIndex;
                        reader.Skip();
                        delegationsEnd = (int)reader.BytesConsumed;
                        continue;
                }
                reader.Skip();
            }
            var headerRead = SignedHeader.Read(header, RoleNames.Targets, what);
            if (!hasTargets || targetsAt.TokenType != JsonTokenType.StartObject) throw new FormatException($"{what}: 'targets' must be an object");
            var targets = ReadTargets(ref targetsAt, signed, what);
            Delegations? delegations = null;
            if (hasDelegations)
            {
                var json = JsonNode.Parse(signed.Span[delegationsStart..delegationsEnd]) as JsonObject
                    ?? throw new FormatException($"{what}: 'delegations' must be an object");
                delegations = Delegations.FromJson(json, $"{what} delegations");
            }
            return new TargetsMetadata(headerRead, targets, delegations);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    /// <summary>The value the reader is on as a node (null for JSON null), the reader left on its last token.</summary>
    private static JsonNode? ValueNode(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes)
    {
        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        return JsonNode.Parse(bytes[start..(int)reader.BytesConsumed]);
    }

    /// <summary>The "targets" object (the reader on its start), each target checked as <see cref="TargetFile.FromJson"/> does.</summary>
    private static Dictionary<string, TargetFile> ReadTargets(ref Utf8JsonReader reader, ReadOnlyMemory<byte> signed, string what)
    {
        var targets = new Dictionary<string, TargetFile>(StringComparer.Ordinal);
        var hashes = new TargetHashes.Builder();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var path = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw new MetadataFormatException($"{what}: target {path} must be an object");
            targets[path] = ReadTarget(ref reader, signed, hashes, what, path);
        }
        return targets;
    }

    private static TargetFile ReadTarget(ref Utf8JsonReader reader, ReadOnlyMemory<byte> signed, TargetHashes.Builder hashes, string what, string path)
    {
        long? length = null;
        bool hasHashes = false, hasCustom = false;
        var hashesAt = default(Utf8JsonReader);
        int customStart = -1, customEnd = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isLength = reader.ValueTextEquals("length"u8), isHashes = !isLength && reader.ValueTextEquals("hashes"u8),
                 isCustom = !isLength && !isHashes && reader.ValueTextEquals("custom"u8);
            reader.Read();
            if (isLength && reader.TokenType == JsonTokenType.Number) length = reader.GetInt64();
            else if (isHashes) { hasHashes = reader.TokenType == JsonTokenType.StartObject; hashesAt = reader; }
            else if (isCustom)
            {
                hasCustom = true;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    customStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    customEnd = (int)reader.BytesConsumed;
                    continue;
                }
            }
            reader.Skip();
        }
        // In TargetFile.FromJson's order: length, hashes, custom.
        if (length is not { } l) throw new MetadataFormatException($"{what} target {path}: 'length' must be an integer");
        if (l < 0) throw new MetadataFormatException($"{what} target {path}: length must not be negative");
        if (!hasHashes) throw new MetadataFormatException($"{what} target {path}: 'hashes' must be an object");
        while (hashesAt.Read() && hashesAt.TokenType == JsonTokenType.PropertyName)
        {
            var algorithm = hashesAt.GetString()!;
            hashesAt.Read();
            if (hashesAt.TokenType != JsonTokenType.String) throw new MetadataFormatException($"{what} target {path}: hash {algorithm} must be a string");
            if (hashesAt.ValueIsEscaped) hashes.Add(algorithm, System.Text.Encoding.UTF8.GetBytes(hashesAt.GetString()!));
            else hashes.Add(algorithm, hashesAt.ValueSpan);
        }
        if (hashes.Count == 0) throw new MetadataFormatException($"{what} target {path}: hashes must not be empty");
        if (hasCustom && customStart < 0) throw new MetadataFormatException($"{what} target {path}: custom must be an object");
        return TargetFile.WithCustomUtf8(l, hashes.Build(), customStart < 0 ? (ReadOnlyMemory<byte>?)null : signed[customStart..customEnd]);
    }
}
