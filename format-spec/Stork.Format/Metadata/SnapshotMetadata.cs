using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>snapshot.json: the version of every targets metadata file, so that a client sees one consistent repository.</summary>
public sealed record SnapshotMetadata(SignedHeader Header, IReadOnlyDictionary<string, MetaFile> Meta)
{
    public static SnapshotMetadata FromSigned(JsonObject signed, string what = "snapshot")
    {
        try
        {
            var header = SignedHeader.Read(signed, RoleNames.Snapshot, what);
            var meta = new Dictionary<string, MetaFile>(StringComparer.Ordinal);
            foreach (var (file, json) in StrictJson.RequireObject(signed, "meta", what))
                meta[file] = json is JsonObject o ? MetaFile.FromJson(o, $"{what} meta {file}") : throw new MetadataFormatException($"{what}: meta {file} must be an object");
            return new SnapshotMetadata(header, meta);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    public JsonObject ToSigned()
    {
        var signed = new JsonObject();
        Header.WriteTo(signed);
        var meta = new JsonObject();
        foreach (var (file, info) in Meta.OrderBy(m => m.Key, StringComparer.Ordinal)) meta[file] = info.ToJson();
        signed["meta"] = meta;
        return signed;
    }
}
