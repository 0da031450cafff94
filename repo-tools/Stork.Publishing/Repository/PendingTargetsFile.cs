using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Targets added since the last publish, grouped by the role that will list them:
/// <c>{"roles": {"ROLE": {"TARGET-PATH": entry}}}</c>, roles and paths in ordinal order. The older flat form
/// <c>{"TARGET-PATH": entry}</c> (written before delegations existed) is still read; its entries go to the role
/// chosen at publish time. The file is read as a stream (<see cref="ReadEntries"/>, <see cref="ReadGroups"/>), so
/// publishing a queue of any size holds one role's entries at a time; <see cref="Load"/> holds all of them and is
/// for the small cases (listing, withdrawing one package).
/// </summary>
internal sealed class PendingTargetsFile
{
    /// <summary>Role key for entries from the old flat file: the publisher picks the role.</summary>
    public const string Automatic = "";

    private readonly string _path;
    public Dictionary<string, Dictionary<string, TargetFile>> ByRole { get; } = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _roleOf = new(StringComparer.Ordinal);

    private PendingTargetsFile(string path) => _path = path;

    /// <summary>One queued entry: its role (<see cref="Automatic"/> for the flat form), path, exact bytes and their offset in the file.</summary>
    public readonly record struct RawEntry(string Role, string Path, byte[] Json, long Offset);

    public static PendingTargetsFile Load(string path)
    {
        var pending = new PendingTargetsFile(path);
        foreach (var entry in ReadEntries(path)) pending.Add(entry.Role, entry.Path, Parse(entry, path));
        return pending;
    }

    /// <summary>
    /// Every entry of the queue file in file order, one at a time (none when there is no file). The file is never
    /// held whole; a malformed one fails with the file's name.
    /// </summary>
    public static IEnumerable<RawEntry> ReadEntries(string path)
    {
        if (!File.Exists(path)) yield break;
        using var reader = new JsonStreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));
        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (!Next(reader, path) || reader.TokenType != JsonTokenType.StartObject) throw Malformed(path, "it must hold one JSON object");
        if (!Next(reader, path)) throw Malformed(path, "it ends early");
        if (reader.TokenType == JsonTokenType.EndObject) { End(reader, path); yield break; }
        var first = reader.String!;
        bool grouped = false;
        if (first == "roles")
        {
            if (!Next(reader, path)) throw Malformed(path, "it ends early");
            if (reader.TokenType != JsonTokenType.StartObject) throw Malformed(path, "\"roles\" must be an object");
            grouped = true;
        }
        if (grouped)
        {
            while (Next(reader, path) && reader.TokenType == JsonTokenType.PropertyName)
            {
                var role = reader.String!;
                if (!roles.Add(role)) throw Malformed(path, $"role {role} appears twice");
                if (!Next(reader, path) || reader.TokenType != JsonTokenType.StartObject) throw Malformed(path, $"role {role} must be an object");
                while (Next(reader, path) && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var target = reader.String!;
                    yield return Value(reader, role, target, path);
                }
                if (reader.TokenType != JsonTokenType.EndObject) throw Malformed(path, "it ends early");
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw Malformed(path, "it ends early");
            if (!Next(reader, path) || reader.TokenType != JsonTokenType.EndObject)
                throw Malformed(path, "\"roles\" must be its only key");
        }
        else
        {
            // The flat form: the first key was already read.
            yield return Value(reader, Automatic, first, path);
            while (Next(reader, path) && reader.TokenType == JsonTokenType.PropertyName)
                yield return Value(reader, Automatic, reader.String!, path);
            if (reader.TokenType != JsonTokenType.EndObject) throw Malformed(path, "it ends early");
        }
        End(reader, path);
    }

    /// <summary>The queue role by role, in file order, each group's entries parsed (the flat form is one <see cref="Automatic"/> group).</summary>
    public static IEnumerable<(string Role, List<KeyValuePair<string, TargetFile>> Entries)> ReadGroups(string path)
    {
        string? role = null;
        var entries = new List<KeyValuePair<string, TargetFile>>();
        foreach (var entry in ReadEntries(path))
        {
            if (role is not null && entry.Role != role)
            {
                yield return (role, entries);
                entries = [];
            }
            role = entry.Role;
            entries.Add(new(entry.Path, Parse(entry, path)));
        }
        if (role is not null) yield return (role, entries);
    }

    public static TargetFile Parse(RawEntry entry, string path)
    {
        try
        {
            var json = StrictJson.ParseObject(entry.Json, path);
            return TargetFile.FromJson(json, $"pending target {entry.Path}");
        }
        catch (MetadataFormatException e) { throw new PublisherException($"{path}: {e.Message}", e); }
        catch (FormatException e) { throw new PublisherException($"{path}: {entry.Path}: {e.Message}", e); }
    }

    private static RawEntry Value(JsonStreamReader reader, string role, string target, string path)
    {
        var (bytes, offset) = Guard(path, reader.ReadValue);
        if (reader.TokenType != JsonTokenType.StartObject) throw Malformed(path, $"{target} must be an object");
        return new RawEntry(role, target, bytes, offset);
    }

    private static bool Next(JsonStreamReader reader, string path) => Guard(path, reader.Read);

    private static void End(JsonStreamReader reader, string path)
    {
        if (Next(reader, path)) throw Malformed(path, "it holds more than one JSON value");
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try { return read(); }
        catch (JsonException e) { throw Malformed(path, e.Message); }
    }

    private static PublisherException Malformed(string path, string why) => new($"{path} is not a valid queue of pending targets: {why}");

    public int Count => ByRole.Values.Sum(r => r.Count);

    public IEnumerable<string> Paths => ByRole.Values.SelectMany(r => r.Keys);

    public void Add(string role, string targetPath, TargetFile target)
    {
        // A path queued again (e.g. for another role) replaces the earlier entry.
        if (_roleOf.TryGetValue(targetPath, out var earlier)) ByRole[earlier].Remove(targetPath);
        _roleOf[targetPath] = role;
        if (!ByRole.TryGetValue(role, out var list)) ByRole[role] = list = new(StringComparer.Ordinal);
        list[targetPath] = target;
    }

    /// <summary>Writes the whole queue (once per command, not per package).</summary>
    public void Save()
    {
        using var writer = new PendingQueueWriter(_path, Count);
        foreach (var (role, entries) in ByRole.Where(r => r.Value.Count > 0).OrderBy(r => r.Key, StringComparer.Ordinal))
            foreach (var (target, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                writer.Write(role, target, EntryBytes(entry));
        writer.Complete();
    }

    /// <summary>An entry's JSON, compact.</summary>
    public static byte[] EntryBytes(TargetFile target)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer)) target.ToJson().WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    public void Delete() => File.Delete(_path);
}
