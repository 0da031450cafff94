using System.Text.Json.Nodes;
using Stork.Client.State;
using Stork.Format.Errors;

namespace Stork.Client.Operations;

/// <summary>
/// Held packages ("hold"/"unhold"), per guest: a held package keeps its installed version through upgrades and
/// installs. Kept in host state as STATE_DIR/holds.json: <c>{"GUEST": ["NAME", ...]}</c>, replaced atomically.
/// </summary>
public sealed class HoldList
{
    private readonly string _path;
    private readonly SortedDictionary<string, SortedSet<string>> _holds = new(StringComparer.Ordinal);

    private HoldList(string path) => _path = path;

    public static string PathOf(HostPaths paths) => Path.Combine(paths.StateDir, "holds.json");

    public static HoldList Load(HostPaths paths)
    {
        var list = new HoldList(PathOf(paths));
        if (!File.Exists(list._path)) return list;
        try
        {
            if (JsonNode.Parse(File.ReadAllBytes(list._path)) is not JsonObject root) throw new FormatException("expected an object");
            foreach (var (guest, names) in root)
            {
                if (names is not JsonArray array) throw new FormatException($"'{guest}' must map to a list of package names");
                var set = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var name in array)
                    set.Add(name is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"'{guest}': package names must be strings"));
                list._holds[guest] = set;
            }
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            throw new LocalException($"{list._path} is damaged: {e.Message}; fix or delete it (it only lists held packages)");
        }
        return list;
    }

    public IReadOnlySet<string> Of(string guest) => _holds.TryGetValue(guest, out var set) ? set : new SortedSet<string>();

    /// <returns>True when the hold is new.</returns>
    public bool Hold(string guest, string name)
    {
        if (!_holds.TryGetValue(guest, out var set)) _holds[guest] = set = new SortedSet<string>(StringComparer.Ordinal);
        return set.Add(name);
    }

    /// <returns>True when the package was held.</returns>
    public bool Unhold(string guest, string name)
    {
        if (!_holds.TryGetValue(guest, out var set) || !set.Remove(name)) return false;
        if (set.Count == 0) _holds.Remove(guest);
        return true;
    }

    public void Save()
    {
        var root = new JsonObject();
        foreach (var (guest, names) in _holds) root[guest] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temp = $"{_path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, root.ToJsonString() + "\n");
        using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
        File.Move(temp, _path, overwrite: true);
    }
}
