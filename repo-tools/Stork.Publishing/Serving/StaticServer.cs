using System.Net;

namespace Stork.Publishing.Serving;

/// <summary>
/// A small static file server for quick starts and demos. Production repositories go on nginx or a CDN;
/// this serves the same tree with the same cache headers (immutable versioned files, short-lived timestamp).
/// </summary>
public sealed class StaticServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly Action<string>? _log;

    public StaticServer(string rootDirectory, string prefix, Action<string>? log = null)
    {
        _root = Path.GetFullPath(rootDirectory) + Path.DirectorySeparatorChar;
        _log = log;
        _listener.Prefixes.Add(prefix.EndsWith('/') ? prefix : prefix + "/");
    }

    public async Task RunAsync(CancellationToken cancellation)
    {
        _listener.Start();
        using var registration = cancellation.Register(() => _listener.Stop());
        while (!cancellation.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) when (cancellation.IsCancellationRequested) { break; }
            catch (HttpListenerException) { break; }
            _ = Task.Run(() => Handle(context), CancellationToken.None);
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var response = context.Response;
        var request = context.Request;
        try
        {
            if (request.HttpMethod is not ("GET" or "HEAD")) { response.StatusCode = 405; return; }
            var relative = Uri.UnescapeDataString(request.Url!.AbsolutePath).TrimStart('/');
            var full = Path.GetFullPath(Path.Combine(_root, relative));
            // Refuse anything that escapes the served tree, and directories.
            if (!full.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(full)) { response.StatusCode = 404; return; }
            var info = new FileInfo(full);
            response.ContentLength64 = info.Length;
            response.ContentType = full.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";
            response.Headers["Cache-Control"] = Path.GetFileName(full) is "timestamp.json" or "root.json" or "snapshot.json" or "targets.json"
                ? "public, max-age=60"
                : "public, max-age=31536000, immutable";
            if (request.HttpMethod == "GET")
            {
                await using var file = File.OpenRead(full);
                await file.CopyToAsync(response.OutputStream);
            }
            _log?.Invoke($"{request.HttpMethod} {request.Url.AbsolutePath} 200 {info.Length}");
        }
        catch (Exception e) when (e is IOException or HttpListenerException)
        {
            _log?.Invoke($"{request.HttpMethod} {request.Url?.AbsolutePath} failed: {e.Message}");
        }
        finally
        {
            try { response.Close(); } catch (Exception) { /* client went away */ }
        }
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();
}
