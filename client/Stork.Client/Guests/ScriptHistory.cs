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

/// <summary>
/// The maintainer script runs of a guest's changes, one JSON line per run in STATE_DIR/history/GUEST.scripts.jsonl
/// (beside the generation notes), filed under the generation the change left the guest at: the new one, or the one it
/// stayed at when the change stopped before its files changed (a failed preinst) or changed no files (a retry that only
/// configures). Each run's output is capped by <see cref="ScriptRunner.MaxOutputChars"/> (cut in the middle, noted).
/// A line that cannot be read only loses that run's record.
/// </summary>
public static class ScriptHistory
{
    public static string PathOf(string stateDir, string guest) => Path.Combine(stateDir, "history", guest + ".scripts.jsonl");

    /// <summary>Appends <paramref name="runs"/> under <paramref name="generation"/>; returns why it could not, or null.</summary>
    public static string? TryAppend(string stateDir, string guest, int generation, IReadOnlyList<ScriptRecord> runs)
    {
        if (runs.Count == 0) return null;
        var path = PathOf(stateDir, guest);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var text = new System.Text.StringBuilder();
            foreach (var run in runs)
                text.Append(new JsonObject
                {
                    ["generation"] = generation,
                    ["time"] = run.Time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                    ["package"] = run.Package,
                    ["script"] = run.Script,
                    ["args"] = new JsonArray(run.Args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                    ["exit"] = run.ExitCode,
                    ["timed_out"] = run.TimedOut,
                    ["cut_chars"] = run.CutChars,
                    ["output"] = run.Output,
                }.ToJsonString()).Append('\n');
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
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
        var runs = new List<ScriptRecord>();
        if (!File.Exists(path)) return runs;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(line) is not JsonObject o) continue;
                runs.Add(new ScriptRecord((int)o["generation"]!,
                    DateTimeOffset.Parse((string)o["time"]!, System.Globalization.CultureInfo.InvariantCulture),
                    (string)o["package"]!, (string)o["script"]!,
                    o["args"] is JsonArray args ? args.Select(a => (string?)a ?? "").ToList() : [],
                    (int)o["exit"]!, (bool?)o["timed_out"] ?? false, (long?)o["cut_chars"] ?? 0, (string?)o["output"] ?? ""));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException) { }
        }
        return runs;
    }
}
