using System.Text.Json.Nodes;
using Stork.Format.Errors;

namespace Stork.Client.State;

/// <summary>
/// Adoption records of a host that adopted with an older stork-get: <c>STATE_DIR/adopted/GUEST.json</c>,
/// <c>{"libc6": 3, ...}</c>. Each is imported into <see cref="AdoptionTable"/> once, when the database is opened, and
/// then deleted (a crash in between imports it again, which changes nothing). A file of a guest that is no longer
/// registered guards nothing and is deleted too.
/// </summary>
internal static class LegacyAdoptionFiles
{
    public static string DirectoryIn(string stateDir) => Path.Combine(stateDir, "adopted");

    public static void Import(HostDatabase database, string stateDir)
    {
        var directory = DirectoryIn(stateDir);
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var guest = Path.GetFileNameWithoutExtension(file);
            if (database.Guests.Find(guest) is not null) database.Adoptions.Import(guest, Read(file, guest));
            File.Delete(file);
        }
        try { Directory.Delete(directory); }
        catch (IOException) { } // something else was put there: left alone
    }

    private static Dictionary<string, int> Read(string file, string guest)
    {
        JsonObject? json;
        try { json = JsonNode.Parse(File.ReadAllBytes(file)) as JsonObject; }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException)
        {
            throw new LocalException($"'{file}' (the packages adopted from guest {guest}'s image, written by an older stork-get) cannot be read: {e.Message}; " +
                "fix or delete it (deleting it lets remove and rollback take the adopted packages away)");
        }
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, value) in json ?? [])
            if (value is JsonValue v && v.TryGetValue<int>(out var generation)) result[name] = generation;
        return result;
    }
}
