using System.Text.Json.Nodes;

namespace Stork.Client.Guests;

/// <summary>One maintainer script run as history keeps it: what ran, how it ended, and its (capped) output.</summary>
public sealed record ScriptRecord(int Generation, DateTimeOffset Time, string Package, string Script, IReadOnlyList<string> Args,
    int ExitCode, bool TimedOut, long CutChars, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>"PACKAGE SCRIPT ARGS".</summary>
    public string Call => string.Join(' ', new[] { Package, Script }.Concat(Args.Where(a => a.Length > 0)));

    /// <summary>"exit N", "killed at the time limit".</summary>
    public string Outcome => TimedOut ? "killed at the time limit" : $"exit {ExitCode}";
}

/// <summary>The fields of a run's JSON besides the common ones (time, package, script, args, exit, timed_out).</summary>
[Flags]
public enum ScriptJsonFields
{
    Common = 0,
    /// <summary>"generation" first (the stored line).</summary>
    Generation = 1,
    /// <summary>"ok" (history --json).</summary>
    Ok = 2,
    /// <summary>"output" and "cut_chars" (the stored line, history --scripts --json).</summary>
    Output = 4,
}

/// <summary>
/// The maintainer script runs of a guest's changes, one JSON line per run in STATE_DIR/history/GUEST.scripts.jsonl
/// (beside the generation notes), filed under the generation the change left the guest at: the new one, or the one it
/// stayed at when the change stopped before its files changed (a failed preinst) or changed no files (a retry that only
/// configures). Each run's line is appended (and fsync'd) when the run ends, so a crash loses none that ended; a run
/// before the change's new generation is recorded carries the change's id and is filed under the guest's generation
/// then, and a line {"change": ID, "generation": N} appended when the generation is recorded refiles them under N.
/// Each run's output is capped by <see cref="ScriptRunner.MaxOutputChars"/> (cut in the middle, noted), so a line is
/// bounded. A line that cannot be read (torn by a crash) only loses that run's record.
/// </summary>
public static class ScriptHistory
{
    public static string PathOf(string stateDir, string guest) => Path.Combine(stateDir, "history", guest + ".scripts.jsonl");

    /// <summary>One JSON object for a run, for the stored line and for history's output alike (which fields: <paramref name="fields"/>).</summary>
    public static JsonObject ToJson(ScriptRecord run, ScriptJsonFields fields)
    {
        var json = new JsonObject();
        if (fields.HasFlag(ScriptJsonFields.Generation)) json["generation"] = run.Generation;
        json["time"] = run.Time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        json["package"] = run.Package;
        json["script"] = run.Script;
        json["args"] = new JsonArray(run.Args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        json["exit"] = run.ExitCode;
        json["timed_out"] = run.TimedOut;
        if (fields.HasFlag(ScriptJsonFields.Ok)) json["ok"] = run.Succeeded;
        if (fields.HasFlag(ScriptJsonFields.Output))
        {
            json["output"] = run.Output;
            json["cut_chars"] = run.CutChars;
        }
        return json;
    }

    /// <summary>Appends one run as it ends (<paramref name="change"/>: the change's id while its generation is not yet recorded); returns why it could not, or null.</summary>
    public static string? TryAppend(string stateDir, string guest, ScriptRecord run, string? change = null)
    {
        var line = ToJson(run, ScriptJsonFields.Generation | ScriptJsonFields.Output);
        if (change is not null) line["change"] = change;
        return TryAppendLine(stateDir, guest, line);
    }

    /// <summary>Refiles the runs appended with <paramref name="change"/> under <paramref name="generation"/>; returns why it could not, or null.</summary>
    public static string? TryFile(string stateDir, string guest, string change, int generation) =>
        TryAppendLine(stateDir, guest, new JsonObject { ["change"] = change, ["generation"] = generation });

    private static string? TryAppendLine(string stateDir, string guest, JsonObject line)
    {
        var path = PathOf(stateDir, guest);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
            // A line torn by a crash is ended first, so it costs only its own record, not this one's.
            bool torn = false;
            if (stream.Length > 0)
            {
                stream.Seek(-1, SeekOrigin.End);
                torn = stream.ReadByte() != '\n';
            }
            stream.Seek(0, SeekOrigin.End);
            stream.Write(System.Text.Encoding.UTF8.GetBytes((torn ? "\n" : "") + line.ToJsonString() + "\n"));
            stream.Flush(flushToDisk: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: {e.Message}";
        }
    }

    /// <summary>Every recorded run of the guest, oldest first.</summary>
    public static IReadOnlyList<ScriptRecord> Read(string stateDir, string guest)
    {
        var path = PathOf(stateDir, guest);
        var runs = new List<(ScriptRecord Run, string? Change)>();
        var filed = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(path)) return [];
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(line) is not JsonObject o) continue;
                var change = (string?)o["change"];
                if (o["package"] is null)
                {
                    if (change is not null) filed[change] = (int)o["generation"]!;
                    continue;
                }
                runs.Add((new ScriptRecord((int)o["generation"]!,
                    DateTimeOffset.Parse((string)o["time"]!, System.Globalization.CultureInfo.InvariantCulture),
                    (string)o["package"]!, (string)o["script"]!,
                    o["args"] is JsonArray args ? args.Select(a => (string?)a ?? "").ToList() : [],
                    (int)o["exit"]!, (bool?)o["timed_out"] ?? false, (long?)o["cut_chars"] ?? 0, (string?)o["output"] ?? ""), change));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException) { }
        }
        return runs.Select(r => r.Change is not null && filed.TryGetValue(r.Change, out var g) ? r.Run with { Generation = g } : r.Run).ToList();
    }
}
