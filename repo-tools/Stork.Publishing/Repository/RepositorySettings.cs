using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Publishing.Repository;

/// <summary>How long each role's metadata stays valid. Defaults follow common TUF practice.</summary>
public sealed record RepositorySettings(TimeSpan RootExpiry, TimeSpan TargetsExpiry, TimeSpan SnapshotExpiry, TimeSpan TimestampExpiry)
{
    public static RepositorySettings Default { get; } = new(
        RootExpiry: TimeSpan.FromDays(365),
        TargetsExpiry: TimeSpan.FromDays(90),
        SnapshotExpiry: TimeSpan.FromDays(7),
        TimestampExpiry: TimeSpan.FromDays(1));

    /// <summary>Every key stork-repo.json may hold (keys_dir: where the private keys live, when not REPO/keys).</summary>
    public static readonly IReadOnlySet<string> KnownKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "root_expiry_days", "targets_expiry_days", "snapshot_expiry_days", "timestamp_expiry_days", "keys_dir",
    };

    public JsonObject ToJson() => new()
    {
        ["root_expiry_days"] = RootExpiry.TotalDays,
        ["targets_expiry_days"] = TargetsExpiry.TotalDays,
        ["snapshot_expiry_days"] = SnapshotExpiry.TotalDays,
        ["timestamp_expiry_days"] = TimestampExpiry.TotalDays,
    };

    public static RepositorySettings FromJson(JsonObject json, string what)
    {
        TimeSpan Days(string key, TimeSpan fallback)
        {
            if (!json.ContainsKey(key)) return fallback;
            if (json[key] is JsonValue v && v.TryGetValue<double>(out var d) && d > 0) return TimeSpan.FromDays(d);
            throw new FormatException($"{what}: '{key}' must be a positive number of days");
        }
        var d = Default;
        return new(Days("root_expiry_days", d.RootExpiry), Days("targets_expiry_days", d.TargetsExpiry),
            Days("snapshot_expiry_days", d.SnapshotExpiry), Days("timestamp_expiry_days", d.TimestampExpiry));
    }
}
