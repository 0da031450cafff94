using System.Globalization;
using System.Text.Json.Nodes;
using Stork.Client.Config;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Client.Fleet;

/// <summary>
/// The agent's part of CONFIG_DIR/stork.json (FLEET.md): an optional "agent" object and "report_url".
/// Read here rather than by <see cref="ClientConfig"/> so that the agent's settings live with the agent.
/// </summary>
/// <param name="Interval">"interval_seconds": time between the starts of two rounds (default 300).</param>
/// <param name="Splay">"splay_seconds": the largest per-host offset of the first round (default: the interval, at most 300 s).</param>
/// <param name="RetryMin">"retry_min_seconds": first wait after a failed round (default 5).</param>
/// <param name="RetryMax">"retry_max_seconds": the cap of the exponential backoff (default: the interval, at least RetryMin).</param>
/// <param name="ReportUrl">"report_url": where the agent POSTs the signed status record after every round; null for none.</param>
public sealed record AgentSettings(TimeSpan Interval, TimeSpan? Splay, TimeSpan RetryMin, TimeSpan? RetryMax, Uri? ReportUrl)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultRetryMin = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxDefaultSplay = TimeSpan.FromMinutes(5);

    public TimeSpan EffectiveSplay => Splay ?? (Interval < MaxDefaultSplay ? Interval : MaxDefaultSplay);
    public TimeSpan EffectiveRetryMax => RetryMax ?? (Interval > RetryMin ? Interval : RetryMin);

    public static AgentSettings Load(string configDir)
    {
        var path = ClientConfig.PathIn(configDir);
        if (!File.Exists(path))
            throw new LocalException($"{path} does not exist; run 'stork-get init --repo URL --root root.json' first");
        try
        {
            var json = StrictJson.ParseObject(File.ReadAllBytes(path), path);
            Uri? report = null;
            if (json.ContainsKey("report_url"))
            {
                var text = StrictJson.RequireString(json, "report_url", path);
                if (!Uri.TryCreate(text, UriKind.Absolute, out report) || (report.Scheme != Uri.UriSchemeHttp && report.Scheme != Uri.UriSchemeHttps))
                    throw new FormatException($"'report_url': '{text}' is not an http:// or https:// URL");
            }
            if (json["agent"] is null) return new AgentSettings(DefaultInterval, null, DefaultRetryMin, null, report);
            if (json["agent"] is not JsonObject agent) throw new FormatException("'agent' must be an object");
            foreach (var key in agent.Select(p => p.Key))
                if (key is not ("interval_seconds" or "splay_seconds" or "retry_min_seconds" or "retry_max_seconds"))
                    throw new FormatException($"'agent' has an unknown setting '{key}' (interval_seconds, splay_seconds, retry_min_seconds, retry_max_seconds)");
            TimeSpan? Seconds(string key, double min)
            {
                if (!agent.ContainsKey(key)) return null;
                if (agent[key] is JsonValue v && v.TryGetValue<double>(out var s) && s >= min && s <= 86400) return TimeSpan.FromSeconds(s);
                throw new FormatException($"'agent.{key}' must be a number of seconds from {min.ToString(CultureInfo.InvariantCulture)} to 86400");
            }
            return new AgentSettings(Seconds("interval_seconds", 0.1) ?? DefaultInterval, Seconds("splay_seconds", 0),
                Seconds("retry_min_seconds", 0.1) ?? DefaultRetryMin, Seconds("retry_max_seconds", 0.1), report);
        }
        catch (FormatException e)
        {
            throw new LocalException($"{path} is damaged: {e.Message}", e);
        }
    }

    /// <summary>Durations on the command line: 30s, 5m, 1h (a bare number is seconds).</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        var unit = text.Length > 0 && char.IsLetter(text[^1]) ? text[^1] : 's';
        var number = text.Length > 0 && char.IsLetter(text[^1]) ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
            throw new AgentOptionException($"{option}: '{text}' is not a duration such as 30s, 5m or 1h");
        return unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new AgentOptionException($"{option}: unknown unit '{unit}' in '{text}' (use s, m or h)"),
        };
    }
}

/// <summary>A bad agent option value that the parser could not catch (exit 2, a usage error).</summary>
public sealed class AgentOptionException(string message) : StorkException(message)
{
    public override ErrorClass Class => ErrorClass.Usage;
}
