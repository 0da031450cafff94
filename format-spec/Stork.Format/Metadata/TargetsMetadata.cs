using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>targets.json (or a delegated role): the signed list of target files, and delegations.</summary>
public sealed record TargetsMetadata(SignedHeader Header, IReadOnlyDictionary<string, TargetFile> Targets, Delegations? Delegations)
{
    public static TargetsMetadata FromSigned(JsonObject signed, string what = "targets")
    {
        try
        {
            var header = SignedHeader.Read(signed, RoleNames.Targets, what);
            var targets = new Dictionary<string, TargetFile>(StringComparer.Ordinal);
            foreach (var (path, json) in StrictJson.RequireObject(signed, "targets", what))
                targets[path] = json is JsonObject o ? TargetFile.FromJson(o, $"{what} target {path}") : throw new MetadataFormatException($"{what}: target {path} must be an object");
            Delegations? delegations = signed.ContainsKey("delegations")
                ? Delegations.FromJson(StrictJson.RequireObject(signed, "delegations", what), $"{what} delegations")
                : null;
            return new TargetsMetadata(header, targets, delegations);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    public JsonObject ToSigned()
    {
        var signed = new JsonObject();
        Header.WriteTo(signed);
        var targets = new JsonObject();
        foreach (var (path, file) in Targets.OrderBy(t => t.Key, StringComparer.Ordinal)) targets[path] = file.ToJson();
        signed["targets"] = targets;
        if (Delegations is not null) signed["delegations"] = Delegations.ToJson();
        return signed;
    }
}
