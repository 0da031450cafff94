using System.Text.Json.Nodes;
using Stork.Client.State;

namespace Stork.Client.Operations;

/// <summary>Who made a generation and how: the command line, the user (and SUDO_USER), and whether `apply` did.</summary>
public sealed record GenerationNote(int Generation, string Command, string User, string? SudoUser, bool ByApply);

/// <summary>
/// The who/how of each generation, appended as one JSON line per generation to STATE_DIR/history/GUEST.jsonl
/// (next to the generations in state.db, which keep what changed). A missing or unreadable line only loses the note.
/// </summary>
public static class GenerationNotes
{
    public static string PathOf(HostPaths paths, string guest) => Path.Combine(paths.StateDir, "history", guest + ".jsonl");

    public static void Append(HostPaths paths, string guest, GenerationNote note)
    {
        var path = PathOf(paths, guest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var line = new JsonObject
        {
            ["generation"] = note.Generation,
            ["command"] = note.Command,
            ["user"] = note.User,
            ["sudo_user"] = note.SudoUser,
            ["apply"] = note.ByApply,
        }.ToJsonString();
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Notes by generation number; the last line for a number wins (a generation number is reused after gc only if the guest is re-added).</summary>
    public static IReadOnlyDictionary<int, GenerationNote> Read(HostPaths paths, string guest)
    {
        var notes = new Dictionary<int, GenerationNote>();
        var path = PathOf(paths, guest);
        if (!File.Exists(path)) return notes;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(line) is not JsonObject o) continue;
                var n = new GenerationNote((int)o["generation"]!, (string?)o["command"] ?? "", (string?)o["user"] ?? "", (string?)o["sudo_user"], (bool?)o["apply"] ?? false);
                notes[n.Generation] = n;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException) { }
        }
        return notes;
    }

    /// <summary>The invoking user's name (from the uid, not $USER which anyone can set) and SUDO_USER.</summary>
    public static (string User, string? SudoUser) Invoker()
    {
        string user = Environment.UserName;
        var sudo = Environment.GetEnvironmentVariable("SUDO_USER");
        return (user, string.IsNullOrEmpty(sudo) ? null : sudo);
    }
}
