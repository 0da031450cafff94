using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Stork.Client.Operations;
using Stork.Client.State;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Client.Fleet;

/// <summary>How a round ended, for the status record.</summary>
/// <param name="Round">The finished round, or null when it failed before planning (repository unreachable, ...).</param>
/// <param name="Error">Why the round failed, or null.</param>
public sealed record RoundResult(long Number, DateTimeOffset Started, DateTimeOffset Finished, FleetRound? Round, Exception? Error, int ConsecutiveFailures, DateTimeOffset? NextRound);

/// <summary>
/// The host status record (FLEET.md, "Status records"): what the last round found and did, per guest. The agent and
/// `apply` write it to STATE_DIR/status.json after every round; `stork-get status` prints it; the agent POSTs it,
/// signed, to report_url.
/// </summary>
public static class HostStatus
{
    public const int Format = 1;
    public const string FileName = "status.json";

    public static string PathOf(HostPaths paths) => Path.Combine(paths.StateDir, FileName);

    /// <param name="previous">The record of the round before: a round that failed before planning keeps its desired sets.</param>
    /// <param name="exitCodeOf">The CLI's exit code of an error class (the record's error.exit_code).</param>
    public static JsonObject Build(string host, RoundResult result, HostDatabase database, JsonObject? previous, string? hostKey, Func<ErrorClass, int> exitCodeOf)
    {
        var round = result.Round;
        var state = result.Error is not null ? "failed"
            : round!.PlanError is not null ? "unappliable"
            : round.Converged ? "converged" : "partial";
        var record = new JsonObject
        {
            ["format"] = Format,
            ["host"] = host,
            ["round"] = result.Number,
            ["started"] = Time(result.Started),
            ["finished"] = Time(result.Finished),
            ["state"] = state,
            ["failures"] = result.ConsecutiveFailures,
        };
        if (hostKey is not null) record["host_key"] = hostKey;
        if (result.NextRound is { } next) record["next_round"] = Time(next);
        if (result.Error is not null)
        {
            var (message, errorClass) = Failure.Describe(result.Error);
            record["error"] = new JsonObject { ["kind"] = KindOf(errorClass), ["exit_code"] = exitCodeOf(errorClass), ["message"] = message };
        }
        if (round is not null)
        {
            record["metadata_version"] = round.MetadataVersion;
            record["manifests"] = round.Manifests;
            if (round.PlanError is not null) record["plan_error"] = round.PlanError;
            record["problems"] = JsonArrays.OfStrings(round.Problems);
            record["deferred"] = JsonArrays.OfStrings(round.Deferred);
        }
        else if (previous is not null)
        {
            foreach (var key in new[] { "metadata_version", "manifests", "plan_error", "problems", "deferred" })
                if (previous[key] is { } value) record[key] = value.DeepClone();
        }

        var previousGuests = (previous?["guests"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(g => g["name"] is JsonValue)
            .ToDictionary(g => g["name"]!.GetValue<string>(), StringComparer.Ordinal);
        var guests = new JsonArray();
        foreach (var guest in database.Guests.List().Select(g => g.Name).Order(StringComparer.Ordinal))
        {
            var installed = database.Ownership.ListInstalled(guest).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            var generations = database.Generations.List(guest);
            var mine = round?.Guests.FirstOrDefault(g => g.Guest == guest);
            previousGuests.TryGetValue(guest, out var before);
            JsonNode? desired = mine?.Desired is { } d ? Packages(d.Select(p => (p.Name, p.Version)))
                : before?["desired"]?.DeepClone();
            var error = mine?.Error;
            var installedJson = Packages(installed.Select(p => (p.Name, p.Version)));
            bool converged = error is null && result.Error is null && round?.PlanError is null
                && desired is JsonArray want && JsonNode.DeepEquals(want, installedJson);
            var entry = new JsonObject
            {
                ["name"] = guest,
                ["generation"] = generations.Count == 0 ? 0 : generations[^1].Number,
                ["last_change"] = generations.Count == 0 ? null : Time(DateTimeOffset.FromUnixTimeSeconds(generations[^1].Created)),
                ["converged"] = converged,
                ["desired"] = desired,
                ["installed"] = installedJson,
                ["last_error"] = error ?? (round?.PlanError is not null && mine is not null ? "the fleet manifests cannot be applied (see plan_error)" : null),
                ["repaired"] = JsonArrays.OfStrings(mine?.Repaired ?? []),
                ["kept_adopted"] = JsonArrays.OfStrings(mine?.KeptAdopted ?? []),
            };
            guests.Add((JsonNode)entry);
        }
        record["guests"] = guests;
        return record;
    }

    private static JsonArray Packages(IEnumerable<(string Name, string Version)> packages)
    {
        var list = new JsonArray();
        foreach (var (name, version) in packages.OrderBy(p => p.Name, StringComparer.Ordinal))
            list.Add((JsonNode)new JsonObject { ["name"] = name, ["version"] = version });
        return list;
    }

    public static string KindOf(ErrorClass errorClass) => errorClass switch
    {
        ErrorClass.UntrustedRepository => "repository",
        ErrorClass.Network => "network",
        ErrorClass.RequestCannotBeMet => "request",
        ErrorClass.Guest => "guest",
        ErrorClass.LocalState => "local",
        _ => "internal",
    };

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes the record atomically (a reader sees the old or the new one, never half of one).</summary>
    public static byte[] Write(HostPaths paths, JsonObject record)
    {
        var bytes = Encoding.UTF8.GetBytes(record.ToJsonString() + "\n");
        Directory.CreateDirectory(paths.StateDir);
        var path = PathOf(paths);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return bytes;
    }

    /// <summary>The last record written, or null when no round has run yet; a damaged record is a local error.</summary>
    public static JsonObject? TryRead(HostPaths paths)
    {
        var path = PathOf(paths);
        if (!File.Exists(path)) return null;
        try { return StrictJson.ParseObject(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new LocalException($"{path} is damaged: {e.Message}; the next round of 'stork-get agent' or 'apply' rewrites it", e); }
    }
}
