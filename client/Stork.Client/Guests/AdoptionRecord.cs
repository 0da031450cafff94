using System.Text;
using System.Text.Json.Nodes;
using Stork.Client.State;
using Stork.Format.Errors;

namespace Stork.Client.Guests;

/// <summary>
/// Which packages of a guest Stork adopted from its dpkg image, and in which generation:
/// <c>STATE_DIR/adopted/GUEST.json</c>, <c>{"libc6": 3, ...}</c>. Written (atomically) before the adoption's journaled
/// change starts, so a crash cannot leave an adopted package without its record; an entry whose package is not
/// installed (a change that did not finish) guards nothing. Removing an adopted package would delete the image's files
/// the guest runs on, so every change that would is refused (<see cref="RequireKept"/>).
/// </summary>
public static class AdoptionRecord
{
    private static string PathOf(HostPaths paths, string guest) => Path.Combine(paths.StateDir, "adopted", guest + ".json");

    /// <summary>Adopted package name → the generation that adopted it.</summary>
    public static IReadOnlyDictionary<string, int> Load(HostPaths paths, string guest)
    {
        var file = PathOf(paths, guest);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(file)) return result;
        JsonObject? json;
        try { json = JsonNode.Parse(File.ReadAllBytes(file)) as JsonObject; }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException)
        {
            throw new LocalException($"'{file}' (the packages adopted from guest {guest}'s image) cannot be read: {e.Message}");
        }
        foreach (var (name, value) in json ?? [])
            if (value is JsonValue v && v.TryGetValue<int>(out var generation)) result[name] = generation;
        return result;
    }

    public static void Add(HostPaths paths, string guest, IEnumerable<string> names, int generation)
    {
        var all = new Dictionary<string, int>(Load(paths, guest), StringComparer.Ordinal);
        foreach (var name in names) all[name] = generation;
        var json = new JsonObject();
        foreach (var (name, gen) in all.OrderBy(p => p.Key, StringComparer.Ordinal)) json[name] = gen;
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(paths, guest))!);
        AtomicFile.Write(PathOf(paths, guest), Encoding.UTF8.GetBytes(json.ToJsonString() + "\n"));
    }

    /// <summary>Forgets a guest (guest remove): a later guest of the same name starts with nothing adopted.</summary>
    public static void Delete(HostPaths paths, string guest)
    {
        if (File.Exists(PathOf(paths, guest))) File.Delete(PathOf(paths, guest));
    }

    /// <summary>Refuses (guest error, exit 6, nothing changed) a change that would remove an adopted package.</summary>
    public static void RequireKept(HostPaths paths, string guest, IEnumerable<InstalledPackage> removed)
    {
        var adopted = Load(paths, guest);
        if (adopted.Count == 0) return;
        foreach (var package in removed)
            if (adopted.TryGetValue(package.Name, out var generation))
                throw new GuestException(
                    $"guest '{guest}': {package.Name} was adopted from the guest's dpkg image in generation {generation}; removing it " +
                    $"(or rolling back before generation {generation}) would delete files the guest's system runs on, so nothing was changed. " +
                    $"Keep it (upgrade works), roll back only to generation {generation} or later, or stop managing the guest with " +
                    $"'stork-get guest remove {guest}', which leaves every file as the guest's own copy");
    }
}
