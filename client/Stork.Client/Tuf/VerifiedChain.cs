using System.Text.Json;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Client.Tuf;

/// <summary>
/// What a refresh verified of the top-level chain: the SHA-256 of the exact stored bytes of the root, snapshot and
/// targets it trusted, with the snapshot's and targets' versions and expiries. A later refresh whose timestamp names
/// nothing new may take the snapshot and targets as verified without parsing them again
/// (<see cref="Updater.RefreshTopLevelAsync"/>) when the stored root is still these bytes (the same keys), the stored
/// snapshot and targets are still these bytes, the timestamp still names this snapshot (version, length, hash) and
/// neither has expired: they are then the very bytes that were verified under this root.
/// </summary>
public sealed record VerifiedChain(string RootSha256, long SnapshotVersion, long SnapshotLength, string SnapshotSha256, long SnapshotExpires,
                                   long TargetsVersion, string TargetsSha256, long TargetsExpires)
{
    // Through Hashing: the stored root, snapshot and top-level targets are small, so a refresh with nothing new
    // hashes them with libsodium and never loads OpenSSL (about 5 ms of its start).
    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Hashing.Sha256Hex(bytes);

    /// <summary>Whether the timestamp names exactly this snapshot: its version, and its length and hashes when listed
    /// (a hash of another algorithm cannot be checked without the bytes' parse: it does not match).</summary>
    public bool IsNamedBy(TimestampMetadata timestamp)
    {
        var meta = timestamp.Snapshot;
        if (meta.Version != SnapshotVersion || meta.Length is { } length && length != SnapshotLength) return false;
        foreach (var (algorithm, value) in meta.Hashes ?? new Dictionary<string, string>())
            if (algorithm != "sha256" || !string.Equals(value, SnapshotSha256, StringComparison.OrdinalIgnoreCase)) return false;
        return true;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("root", RootSha256);
        writer.WriteNumber("snapshotVersion", SnapshotVersion);
        writer.WriteNumber("snapshotLength", SnapshotLength);
        writer.WriteString("snapshot", SnapshotSha256);
        writer.WriteNumber("snapshotExpires", SnapshotExpires);
        writer.WriteNumber("targetsVersion", TargetsVersion);
        writer.WriteString("targets", TargetsSha256);
        writer.WriteNumber("targetsExpires", TargetsExpires);
        writer.WriteEndObject();
    }

    /// <summary>Throws (JsonException, InvalidOperationException, KeyNotFoundException) when malformed.</summary>
    public static VerifiedChain Read(JsonElement json)
        => new(Text(json, "root"), json.GetProperty("snapshotVersion").GetInt64(), json.GetProperty("snapshotLength").GetInt64(),
            Text(json, "snapshot"), json.GetProperty("snapshotExpires").GetInt64(), json.GetProperty("targetsVersion").GetInt64(),
            Text(json, "targets"), json.GetProperty("targetsExpires").GetInt64());

    private static string Text(JsonElement json, string name) => json.GetProperty(name).GetString() ?? throw new JsonException(name);
}
