using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Format.Json;

namespace Stork.Client.Config;

/// <summary>The host's configuration file, CONFIG_DIR/stork.json: which repository to follow.</summary>
public sealed record ClientConfig(Uri Repository)
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
            return new ClientConfig(ParseRepositoryUrl(StrictJson.RequireString(json, "repository", path)));
        }
        catch (FormatException e)
        {
            throw new LocalException($"{path} is damaged: {e.Message}", e);
        }
    }

    public void Save(string configDir)
    {
        Directory.CreateDirectory(configDir);
        var json = new JsonObject { ["repository"] = Repository.AbsoluteUri };
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
