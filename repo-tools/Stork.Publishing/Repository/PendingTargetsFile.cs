using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Targets added since the last publish, grouped by the role that will list them:
/// <c>{"roles": {"ROLE": {"TARGET-PATH": entry}}}</c>. The older flat form <c>{"TARGET-PATH": entry}</c>
/// (written before delegations existed) is still read; its entries go to the role chosen at publish time.
/// </summary>
internal sealed class PendingTargetsFile
{
    /// <summary>Role key for entries from the old flat file: the publisher picks the role.</summary>
    public const string Automatic = "";

    private readonly string _path;
    public Dictionary<string, Dictionary<string, TargetFile>> ByRole { get; } = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _roleOf = new(StringComparer.Ordinal);

    private PendingTargetsFile(string path) => _path = path;

    public static PendingTargetsFile Load(string path)
    {
        var pending = new PendingTargetsFile(path);
        if (!File.Exists(path)) return pending;
        JsonObject json;
        try { json = StrictJson.ParseObject(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new PublisherException(e.Message, e); }
        try
        {
            if (json["roles"] is JsonObject roles)
            {
                foreach (var (role, entries) in roles)
                    foreach (var (target, entry) in entries as JsonObject ?? throw new PublisherException($"{path}: role {role} must be an object"))
                        pending.Add(role, target, TargetFile.FromJson(entry as JsonObject ?? throw new PublisherException($"{path}: {target} must be an object"), $"pending target {target}"));
            }
            else
            {
                foreach (var (target, entry) in json)
                    pending.Add(Automatic, target, TargetFile.FromJson(entry as JsonObject ?? throw new PublisherException($"{path}: {target} must be an object"), $"pending target {target}"));
            }
        }
        catch (MetadataFormatException e) { throw new PublisherException($"{path}: {e.Message}", e); }
        return pending;
    }

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

    /// <summary>Writes the whole queue, streamed one entry at a time (once per command, not per package).</summary>
    public void Save()
    {
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream, new() { Indented = Count < 1000 }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("roles");
            foreach (var (role, entries) in ByRole.Where(r => r.Value.Count > 0).OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(role);
                foreach (var (target, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(target);
                    entry.ToJson().WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        File.Move(temp, _path, overwrite: true);
    }

    public void Delete() => File.Delete(_path);
}
