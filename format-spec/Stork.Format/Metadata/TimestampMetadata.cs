using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>timestamp.json: names the current snapshot. The only file a client fetches when nothing changed.</summary>
public sealed record TimestampMetadata(SignedHeader Header, MetaFile Snapshot)
{
    public const string SnapshotFileName = "snapshot.json";

    public static TimestampMetadata FromSigned(JsonObject signed, string what = "timestamp")
    {
        try
        {
            var header = SignedHeader.Read(signed, RoleNames.Timestamp, what);
            var meta = StrictJson.RequireObject(signed, "meta", what);
            if (meta[SnapshotFileName] is not JsonObject snap || meta.Count != 1)
                throw new MetadataFormatException($"{what}: meta must hold exactly '{SnapshotFileName}'");
            return new TimestampMetadata(header, MetaFile.FromJson(snap, $"{what} meta {SnapshotFileName}"));
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    public JsonObject ToSigned()
    {
        var signed = new JsonObject();
        Header.WriteTo(signed);
        signed["meta"] = new JsonObject { [SnapshotFileName] = Snapshot.ToJson() };
        return signed;
    }
}
