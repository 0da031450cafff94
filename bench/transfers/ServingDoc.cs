using System.Text.RegularExpressions;

namespace Stork.Bench.Transfers;

/// <summary>
/// The site-cache nginx config of format-spec/SERVING.md, read from the document itself so the bench measures
/// exactly what users are told to run (a copy here would drift).
/// </summary>
internal static class ServingDoc
{
    /// <summary>The http-level lines (proxy_cache_path into <paramref name="cacheDir"/>) and the server body, proxying to <paramref name="origin"/>.</summary>
    public static (string Http, string Server) SiteCache(string cacheDir, Uri origin)
    {
        var doc = File.ReadAllText(Find());
        var section = doc[doc.IndexOf("## Site cache", StringComparison.Ordinal)..];
        var block = Regex.Match(section, "```nginx\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var serverStart = block.IndexOf("server {", StringComparison.Ordinal);
        var http = block[..serverStart].Replace("/var/cache/nginx/stork", cacheDir, StringComparison.Ordinal);
        var server = block[(serverStart + "server {".Length)..block.LastIndexOf('}')]
            .Replace("listen 80;", "", StringComparison.Ordinal)
            .Replace("http://origin.example", origin.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal);
        return (http, server);
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "format-spec", "SERVING.md");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("format-spec/SERVING.md not found above " + AppContext.BaseDirectory);
    }
}
