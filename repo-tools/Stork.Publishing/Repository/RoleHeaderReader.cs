using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Reads what the publisher needs of a targets-type role it did not change (its delegations and expiry) without
/// parsing its target list. Our metadata is canonical JSON, so "signatures" precedes "signed", and in "signed"
/// "_type", "delegations", "expires" and "spec_version" precede "targets": a short prefix of the file holds them.
/// A file not in that form is parsed in full instead.
/// </summary>
internal static class RoleHeaderReader
{
    private const int FirstRead = 4096;

    /// <summary>The role with an empty target list and the given <paramref name="version"/>; null when the file is missing.</summary>
    public static TargetsMetadata? Read(string path, long version)
    {
        if (!File.Exists(path)) return null;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[Math.Min(FirstRead, Math.Max(1, file.Length))];
        int filled = 0;
        while (true)
        {
            while (filled < buffer.Length)
            {
                int n = file.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) break;
                filled += n;
            }
            bool final = filled < buffer.Length || file.Position >= file.Length;
            var header = TryParse(buffer.AsSpan(0, filled), final, version, path);
            if (header is not null) return header;
            if (final) return Full(path, version);
            Array.Resize(ref buffer, (int)Math.Min(file.Length, (long)buffer.Length * 8));
        }
    }

    private static TargetsMetadata Full(string path, long version)
    {
        try
        {
            var metadata = TargetsMetadata.FromSigned(SignedEnvelope.Parse(File.ReadAllBytes(path), path).Signed, path);
            return metadata with { Targets = new Dictionary<string, TargetFile>(), Header = metadata.Header with { Version = version } };
        }
        catch (MetadataFormatException e) { throw new PublisherException($"{path} cannot be read: {e.Message}", e); }
    }

    /// <summary>Null when the prefix is too short or not in canonical order (the caller reads more, or all).</summary>
    private static TargetsMetadata? TryParse(ReadOnlySpan<byte> data, bool final, long version, string path)
    {
        try
        {
            var reader = new Utf8JsonReader(data, isFinalBlock: final, default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (true)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
                if (reader.ValueTextEquals("signed"u8)) break;
                if (!reader.TrySkip()) return null;
            }
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            var signed = new JsonObject();
            while (true)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return null;
                var name = reader.GetString()!;
                if (name == "targets") break;
                if (!reader.Read()) return null;
                var probe = reader;
                if (!probe.TrySkip()) return null;
                signed[name] = JsonNode.Parse(ref reader);
            }
            signed["targets"] = new JsonObject();
            signed["version"] = version;
            return TargetsMetadata.FromSigned(signed, path);
        }
        catch (JsonException) { return null; }
        catch (MetadataFormatException) { return null; }
    }
}
