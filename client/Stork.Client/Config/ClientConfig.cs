using System.Text.Json.Nodes;
using Stork.Client.Fetching;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Client.Config;

/// <summary>The host's configuration file, CONFIG_DIR/stork.json: which repository to follow.</summary>
/// <param name="TrustedRoles">Roles whose packages this host accepts (SPEC.md §9); null accepts every role the TUF chain trusts.</param>
/// <param name="Mirrors">Extra places serving the same tree, "mirrors": [{"url": ..., "priority": N}]; lower priority is tried
/// first, <paramref name="Repository"/> is the default mirror at priority 0 unless listed.</param>
/// <param name="ParallelDownloads">"parallel_downloads": blobs downloaded at once (default 4).</param>
/// <param name="Host">This host's name in fleet manifests (default: the machine's host name).</param>
/// <param name="RootCheckIntervalSeconds">"root_check_interval_seconds": how long a refresh that finds nothing new may skip
/// the root probe after a successful root-chain check (SPEC.md §3.3, §7); 0 probes on every refresh (strict TUF).</param>
public sealed record ClientConfig(Uri Repository, FetchPolicy? Fetch = null, IReadOnlySet<string>? TrustedRoles = null,
    IReadOnlyList<Mirror>? Mirrors = null, int ParallelDownloads = ClientConfig.DefaultParallelDownloads, string? Host = null,
    int RootCheckIntervalSeconds = ClientConfig.DefaultRootCheckIntervalSeconds)
{
    public const string FileName = "stork.json";
    public const int DefaultParallelDownloads = 4;
    public const int DefaultRootCheckIntervalSeconds = 3600;
    /// <summary>One day: the interval bounds how long a host can miss a key rotation, so it stays short.</summary>
    public const int MaxRootCheckIntervalSeconds = 86400;

    public TimeSpan RootCheckInterval => TimeSpan.FromSeconds(RootCheckIntervalSeconds);

    /// <summary>Every mirror to try, in order (the default repository URL included).</summary>
    public IReadOnlyList<Uri> OrderedMirrors => MirrorFetcher.Order(Repository, Mirrors ?? []);

    public static string PathIn(string configDir) => Path.Combine(configDir, FileName);

    /// <summary>Every top-level key stork.json may hold; anything else is a typo and an error naming it.</summary>
    public static readonly IReadOnlySet<string> KnownKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "repository", "fetch", "trusted_roles", "mirrors", "parallel_downloads", "host", "root_check_interval_seconds",
        "agent", "report_url", "scripts",
    };

    /// <summary>"scripts": {"allowed_roles": [ROLE, ...]}: packages signed by these roles run their maintainer scripts in
    /// guests (SPEC.md §9); null (the default) runs none.</summary>
    public IReadOnlySet<string>? ScriptRoles { get; init; }

    /// <summary>"scripts": {"time_limit_seconds": N}: how long one maintainer script may run before it and everything it
    /// started are killed (default 600, at most a day).</summary>
    public TimeSpan ScriptTimeLimit { get; init; } = TimeSpan.FromSeconds(DefaultScriptTimeLimitSeconds);

    public const int DefaultScriptTimeLimitSeconds = 600;
    public const int MaxScriptTimeLimitSeconds = 86400;

    private static readonly string[] ScriptKeys = ["allowed_roles", "time_limit_seconds"];

    private static readonly string[] FetchKeys = ["stall_timeout_seconds", "min_bytes_per_second", "grace_seconds"];
    private static readonly string[] MirrorKeys = ["url", "priority"];

    public static ClientConfig Load(string configDir)
    {
        var path = PathIn(configDir);
        if (!File.Exists(path))
            throw new LocalException($"{path} does not exist; run 'stork-get init --repo URL --root root.json' first");
        try
        {
            var json = ConfigJson.ParseObject(File.ReadAllBytes(path), path);
            ConfigJson.RejectUnknownKeys(json, KnownKeys, path);
            return new ClientConfig(ParseRepositoryUrl(StrictJson.RequireString(json, "repository", path)), ReadFetchPolicy(json, path), ReadTrustedRoles(json, path),
                ReadMirrors(json, path), ReadParallel(json, path),
                json.ContainsKey("host") ? StrictJson.RequireString(json, "host", path) : null,
                ReadRootCheckInterval(json, path))
            { ScriptRoles = ReadScriptRoles(json, path), ScriptTimeLimit = ReadScriptTimeLimit(json, path) };
        }
        catch (FormatException e)
        {
            throw new LocalException($"{path} is damaged: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LocalException($"cannot read {path}: {LocalFailure.Describe(e)}", e);
        }
    }

    private static IReadOnlyList<Mirror>? ReadMirrors(JsonObject json, string path)
    {
        if (!json.ContainsKey("mirrors")) return null;
        if (json["mirrors"] is not JsonArray list) throw new FormatException($"{path}: 'mirrors' must be a list of {{\"url\": ..., \"priority\": N}}");
        var mirrors = new List<Mirror>();
        foreach (var item in list)
        {
            if (item is not JsonObject o || o["url"] is not JsonValue u || !u.TryGetValue<string>(out var url))
                throw new FormatException($"{path}: every mirror needs a \"url\"");
            ConfigJson.RejectUnknownKeys(o, MirrorKeys, path, "mirrors[]");
            int priority = 0;
            if (o.ContainsKey("priority") && (o["priority"] is not JsonValue p || !p.TryGetValue(out priority)))
                throw new FormatException($"{path}: mirror {url}: \"priority\" must be an integer");
            mirrors.Add(new Mirror(ParseRepositoryUrl(url), priority));
        }
        return mirrors;
    }

    private static int ReadParallel(JsonObject json, string path)
    {
        if (!json.ContainsKey("parallel_downloads")) return DefaultParallelDownloads;
        if (json["parallel_downloads"] is JsonValue v && v.TryGetValue<int>(out var n) && n is >= 1 and <= 64) return n;
        throw new FormatException($"{path}: 'parallel_downloads' must be an integer from 1 to 64");
    }

    private static int ReadRootCheckInterval(JsonObject json, string path)
    {
        const string key = "root_check_interval_seconds";
        if (!json.ContainsKey(key)) return DefaultRootCheckIntervalSeconds;
        if (json[key] is JsonValue v && v.TryGetValue<int>(out var n) && n is >= 0 and <= MaxRootCheckIntervalSeconds) return n;
        throw new FormatException($"{path}: '{key}' must be an integer from 0 (check the root on every refresh) to {MaxRootCheckIntervalSeconds}");
    }

    private static IReadOnlySet<string>? ReadScriptRoles(JsonObject json, string path)
    {
        if (!json.ContainsKey("scripts")) return null;
        if (json["scripts"] is not JsonObject scripts) throw new FormatException($"{path}: 'scripts' must be an object like {{\"allowed_roles\": [\"targets\"]}}");
        ConfigJson.RejectUnknownKeys(scripts, ScriptKeys, path, "scripts");
        if (scripts["allowed_roles"] is not JsonArray roles) throw new FormatException($"{path}: 'scripts.allowed_roles' must be a list of role names");
        return roles.Select(r => r is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : throw new FormatException($"{path}: 'scripts.allowed_roles' must hold role names"))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static TimeSpan ReadScriptTimeLimit(JsonObject json, string path)
    {
        const string key = "time_limit_seconds";
        if (json["scripts"] is not JsonObject scripts || !scripts.ContainsKey(key)) return TimeSpan.FromSeconds(DefaultScriptTimeLimitSeconds);
        if (scripts[key] is JsonValue v && v.TryGetValue<int>(out var n) && n is >= 1 and <= MaxScriptTimeLimitSeconds) return TimeSpan.FromSeconds(n);
        throw new FormatException($"{path}: 'scripts.{key}' must be a whole number of seconds from 1 to {MaxScriptTimeLimitSeconds}");
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
        if (!json.ContainsKey("fetch")) return null;
        if (json["fetch"] is not JsonObject fetch) throw new FormatException($"{path}: 'fetch' must be an object");
        ConfigJson.RejectUnknownKeys(fetch, FetchKeys, path, "fetch");
        var d = FetchPolicy.Default;
        double Seconds(string key, TimeSpan fallback)
        {
            if (!fetch.ContainsKey(key)) return fallback.TotalSeconds;
            if (fetch[key] is JsonValue v && v.TryGetValue<double>(out var x) && x > 0) return x;
            throw new FormatException($"{path}: 'fetch.{key}' must be a positive number of seconds");
        }
        long minRate = d.MinBytesPerSecond;
        if (fetch.ContainsKey("min_bytes_per_second")
            && !(fetch["min_bytes_per_second"] is JsonValue r && r.TryGetValue<long>(out minRate) && minRate >= 0))
            throw new FormatException($"{path}: 'fetch.min_bytes_per_second' must be a whole number, 0 or more");
        return new FetchPolicy(TimeSpan.FromSeconds(Seconds("stall_timeout_seconds", d.StallTimeout)), minRate, TimeSpan.FromSeconds(Seconds("grace_seconds", d.Grace)));
    }

    public void Save(string configDir)
    {
        Directory.CreateDirectory(configDir);
        var json = new JsonObject { ["repository"] = Repository.AbsoluteUri };
        if (Host is not null) json["host"] = Host;
        var path = PathIn(configDir);
        State.AtomicFile.WriteText(path, json.ToJsonString(new() { WriteIndented = true }));
    }

    public static Uri ParseRepositoryUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new FormatException($"'{text}' is not an http:// or https:// URL");
        return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }
}
