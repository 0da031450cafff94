using System.Text.Json.Nodes;
using Stork.Client.Fetching;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Client.Config;

/// <summary>The host's configuration file, CONFIG_DIR/stork.json: which repository to follow.</summary>
/// <param name="TrustedRoles">Roles whose packages this host accepts (SPEC.md §9); null accepts every role the TUF chain trusts.</param>
/// <param name="Host">This host's name in fleet manifests (default: the machine's host name).</param>
public sealed record ClientConfig(Uri Repository, FetchPolicy? Fetch = null, IReadOnlySet<string>? TrustedRoles = null, string? Host = null)
{
    public const string FileName = "stork.json";

    public static string PathIn(string configDir) => Path.Combine(configDir, FileName);

    public static ClientConfig Load(string configDir)
    {
        var path = PathIn(configDir);
        if (!File.Exists(path))
            throw new LocalException($"{path} does not exist; run 'stork-get init --repo URL --root root.json' first");
        try
        {
            var json = StrictJson.ParseObject(File.ReadAllBytes(path), path);
            return new ClientConfig(ParseRepositoryUrl(StrictJson.RequireString(json, "repository", path)), ReadFetchPolicy(json, path), ReadTrustedRoles(json, path),
                json.ContainsKey("host") ? StrictJson.RequireString(json, "host", path) : null);
        }
        catch (FormatException e)
        {
            throw new LocalException($"{path} is damaged: {e.Message}", e);
        }
    }

    private static IReadOnlySet<string>? ReadTrustedRoles(JsonObject json, string path)
    {
        if (!json.ContainsKey("trusted_roles")) return null;
        if (json["trusted_roles"] is not JsonArray roles) throw new FormatException($"{path}: 'trusted_roles' must be a list of role names");
        return roles.Select(r => r is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{path}: 'trusted_roles' must hold strings"))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Optional "fetch" section: stall_timeout_seconds, min_bytes_per_second, grace_seconds.</summary>
    private static FetchPolicy? ReadFetchPolicy(JsonObject json, string path)
    {
        if (json["fetch"] is not JsonObject fetch) return null;
        var d = FetchPolicy.Default;
        double Seconds(string key, TimeSpan fallback)
            => fetch[key] is JsonValue v && v.TryGetValue<double>(out var x) && x > 0 ? x : fallback.TotalSeconds;
        long minRate = fetch["min_bytes_per_second"] is JsonValue r && r.TryGetValue<long>(out var m) && m >= 0 ? m : d.MinBytesPerSecond;
        return new FetchPolicy(TimeSpan.FromSeconds(Seconds("stall_timeout_seconds", d.StallTimeout)), minRate, TimeSpan.FromSeconds(Seconds("grace_seconds", d.Grace)));
    }

    public void Save(string configDir)
    {
        Directory.CreateDirectory(configDir);
        var json = new JsonObject { ["repository"] = Repository.AbsoluteUri };
        if (Host is not null) json["host"] = Host;
        var path = PathIn(configDir);
        File.WriteAllText(path + ".tmp", json.ToJsonString(new() { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static Uri ParseRepositoryUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new FormatException($"'{text}' is not an http:// or https:// URL");
        return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }
}
