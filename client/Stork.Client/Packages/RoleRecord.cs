using System.Text.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>
/// The verified state of one targets role an index was built from, kept in the index file: the role's version and
/// the SHA-256 of its exact bytes as the snapshot named them (the bytes whose signatures were checked), its expiry,
/// whether it delegates, and the roles that delegate to it. The root version it was verified under is the file's base
/// key (<see cref="PackageIndexCache.BaseKeyOf"/>). A role whose record matches the new snapshot's entry, whose
/// delegators are all unchanged (same bytes, so the same keys and thresholds for it) and which has not expired is
/// not verified again by an update (<see cref="PackageIndexUpdate"/>).
/// </summary>
internal sealed record RoleRecord(string Name, long Version, string? Sha256, long Expires, bool Delegates, IReadOnlyList<string> Delegators)
{
    /// <summary>The records of every loaded role of a fully loaded <paramref name="trusted"/>; none when the delegation
    /// graph reaches the search's cap (the update could not tell what the full walk would have loaded).</summary>
    public static List<RoleRecord> Of(TrustedMetadata trusted)
    {
        var loaded = trusted.LoadedTargets.ToList();
        var delegators = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int edges = 0;
        foreach (var (role, metadata) in loaded)
            foreach (var child in metadata.Delegations?.Roles ?? [])
            {
                if (!delegators.TryGetValue(child.Name, out var list)) delegators[child.Name] = list = [];
                list.Add(role);
                edges++;
            }
        if (edges >= TargetSearch.DefaultMaxRoles) return [];
        return loaded.Select(l => new RoleRecord(l.Role, l.Metadata.Header.Version, Sha256Of(trusted.Snapshot!, l.Role),
            l.Metadata.Header.Expires.ToUnixTimeSeconds(), l.Metadata.Delegations is { Roles.Count: > 0 },
            delegators.TryGetValue(l.Role, out var list) ? list : [])).ToList();
    }

    /// <summary>The SHA-256 the snapshot names for a role's file (checked against its bytes when it was verified); null when it names none.</summary>
    public static string? Sha256Of(SnapshotMetadata snapshot, string role)
        => snapshot.Meta.TryGetValue($"{role}.json", out var meta) && meta.Hashes?.TryGetValue("sha256", out var sha) == true ? sha : null;

    /// <summary>Whether the snapshot names exactly the bytes this record was verified for.</summary>
    public bool Matches(SnapshotMetadata snapshot)
        => Sha256 is not null && snapshot.Meta.TryGetValue($"{Name}.json", out var meta) && meta.Version == Version && Sha256Of(snapshot, Name) == Sha256;

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        writer.WriteNumber("version", Version);
        if (Sha256 is null) writer.WriteNull("sha256"); else writer.WriteString("sha256", Sha256);
        writer.WriteNumber("expires", Expires);
        writer.WriteBoolean("delegates", Delegates);
        writer.WriteStartArray("delegators");
        foreach (var delegator in Delegators) writer.WriteStringValue(delegator);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Throws (JsonException, InvalidOperationException, KeyNotFoundException) when malformed.</summary>
    public static RoleRecord Read(JsonElement json)
        => new(json.GetProperty("name").GetString() ?? throw new JsonException("name"), json.GetProperty("version").GetInt64(),
            json.GetProperty("sha256").GetString(), json.GetProperty("expires").GetInt64(), json.GetProperty("delegates").GetBoolean(),
            json.GetProperty("delegators").EnumerateArray().Select(d => d.GetString() ?? throw new JsonException("delegator")).ToList());
}
