using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Stork.Integration.Tests.Fleet;

/// <summary>The status record's schema as FLEET.md ("Status records") documents it; Validate lists every deviation.</summary>
public static partial class StatusSchema
{
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
    private static partial Regex Time();

    private static readonly string[] States = ["converged", "partial", "unappliable", "failed"];
    private static readonly string[] Kinds = ["repository", "network", "request", "guest", "local", "internal"];

    public static IReadOnlyList<string> Validate(JsonObject r)
    {
        var errors = new List<string>();
        void Need(JsonObject o, string key, JsonValueKind kind, string at, bool optional = false, bool nullable = false)
        {
            if (!o.ContainsKey(key)) { if (!optional) errors.Add($"{at}{key}: missing"); return; }
            var node = o[key];
            if (node is null) { if (!nullable) errors.Add($"{at}{key}: null"); return; }
            if (node.GetValueKind() != kind) errors.Add($"{at}{key}: {node.GetValueKind()}, expected {kind}");
        }
        void NeedTime(JsonObject o, string key, string at, bool optional = false, bool nullable = false)
        {
            Need(o, key, JsonValueKind.String, at, optional, nullable);
            if (o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && !Time().IsMatch(v.GetValue<string>())) errors.Add($"{at}{key}: not a UTC time");
        }
        void Packages(JsonNode? list, string at)
        {
            if (list is not JsonArray a) return;
            foreach (var p in a)
            {
                if (p is not JsonObject po) { errors.Add($"{at}: entries must be objects"); continue; }
                Need(po, "name", JsonValueKind.String, at + ".");
                Need(po, "version", JsonValueKind.String, at + ".");
            }
        }
        var allowed = new HashSet<string> { "format", "host", "host_key", "round", "started", "finished", "state", "failures", "next_round", "error",
            "metadata_version", "manifests", "plan_error", "problems", "deferred", "guests" };
        foreach (var key in r.Select(p => p.Key).Where(k => !allowed.Contains(k))) errors.Add($"{key}: not in the schema");
        Need(r, "format", JsonValueKind.Number, "");
        if (r["format"] is JsonValue f && f.GetValueKind() == JsonValueKind.Number && f.GetValue<int>() != 1) errors.Add("format: not 1");
        Need(r, "host", JsonValueKind.String, "");
        Need(r, "host_key", JsonValueKind.String, "", optional: true);
        Need(r, "round", JsonValueKind.Number, "");
        NeedTime(r, "started", "");
        NeedTime(r, "finished", "");
        Need(r, "state", JsonValueKind.String, "");
        if (r["state"] is JsonValue s && !States.Contains(s.ToString())) errors.Add($"state: '{s}' unknown");
        Need(r, "failures", JsonValueKind.Number, "");
        NeedTime(r, "next_round", "", optional: true);
        if (r["error"] is JsonObject e)
        {
            Need(e, "kind", JsonValueKind.String, "error.");
            if (e["kind"] is JsonValue k && !Kinds.Contains(k.ToString())) errors.Add($"error.kind: '{k}' unknown");
            Need(e, "exit_code", JsonValueKind.Number, "error.");
            Need(e, "message", JsonValueKind.String, "error.");
        }
        else if (r.ContainsKey("error")) errors.Add("error: must be an object");
        if ((r["state"]?.ToString() == "failed") != (r["error"] is JsonObject)) errors.Add("error: present exactly when state is failed");
        Need(r, "metadata_version", JsonValueKind.String, "", optional: true);
        Need(r, "manifests", JsonValueKind.Number, "", optional: true);
        Need(r, "plan_error", JsonValueKind.String, "", optional: true);
        if ((r["state"]?.ToString() == "unappliable") != r.ContainsKey("plan_error") && r["state"]?.ToString() != "failed") errors.Add("plan_error: present exactly when state is unappliable");
        foreach (var key in new[] { "problems", "deferred" })
        {
            Need(r, key, JsonValueKind.Array, "", optional: true);
            if (r[key] is JsonArray list && list.Any(x => x?.GetValueKind() != JsonValueKind.String)) errors.Add($"{key}: must hold strings");
        }
        Need(r, "guests", JsonValueKind.Array, "");
        foreach (var g in r["guests"] as JsonArray ?? [])
        {
            if (g is not JsonObject go) { errors.Add("guests: entries must be objects"); continue; }
            var at = $"guests[{go["name"]}].";
            Need(go, "name", JsonValueKind.String, at);
            Need(go, "generation", JsonValueKind.Number, at);
            NeedTime(go, "last_change", at, nullable: true);
            if (go["converged"]?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) errors.Add(at + "converged: not a boolean");
            Need(go, "desired", JsonValueKind.Array, at, nullable: true);
            Packages(go["desired"], at + "desired");
            Need(go, "installed", JsonValueKind.Array, at);
            Packages(go["installed"], at + "installed");
            Need(go, "last_error", JsonValueKind.String, at, nullable: true);
            Need(go, "repaired", JsonValueKind.Array, at);
            Need(go, "kept_adopted", JsonValueKind.Array, at);
        }
        return errors;
    }
}
