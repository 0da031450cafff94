using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stork.Testing;

/// <summary>
/// A real nginx serving one folder on 127.0.0.1, with its own config, logs and temp paths in a
/// private directory, killed when the test ends. The access log records one line per request.
/// </summary>
public sealed class NginxServer : IDisposable
{
    private readonly Process _process;
    public int Port { get; }
    public string Directory { get; }
    public string AccessLog => Path.Combine(Directory, "access.log");
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    /// <param name="extraHttpConfig">Added at http level (e.g. a proxy_cache_path).</param>
    /// <param name="locations">Replaces the default cache-header locations (e.g. a proxy_pass site cache).</param>
    /// <param name="port">Listen on this port (to bring a stopped server back at the same URL); default a free one.</param>
    public NginxServer(string root, string? extraServerConfig = null, string? extraHttpConfig = null, string? locations = null, int? port = null)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run 'apt-get install -y nginx-light' (./test.sh does this)");
        Directory = System.IO.Directory.CreateTempSubdirectory("stork-nginx-").FullName;
        Port = port ?? FreePort();
        var config = $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            error_log {{Directory}}/error.log warn;
            pid {{Directory}}/nginx.pid;
            events { worker_connections 256; }
            http {
                log_format stork '$request_method $uri $status $body_bytes_sent range=$http_range';
                access_log {{Directory}}/access.log stork;
                client_body_temp_path {{Directory}}/client_body;
                proxy_temp_path {{Directory}}/proxy;
                fastcgi_temp_path {{Directory}}/fastcgi;
                uwsgi_temp_path {{Directory}}/uwsgi;
                scgi_temp_path {{Directory}}/scgi;
                types { application/json json; }
                default_type application/octet-stream;
                sendfile on;
                {{extraHttpConfig ?? ""}}
                server {
                    listen 127.0.0.1:{{Port}};
                    root {{root}};
                    {{locations ?? DefaultLocations}}
                    {{extraServerConfig ?? ""}}
                }
            }
            """;
        var configPath = Path.Combine(Directory, "nginx.conf");
        File.WriteAllText(configPath, config);
        var info = new ProcessStartInfo(nginx) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", configPath, "-p", Directory, "-e", Path.Combine(Directory, "error.log") }) info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        WaitUntilListening();
    }

    public const string DefaultLocations = """
        location = /metadata/timestamp.json { add_header Cache-Control "public, max-age=60"; }
        location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
        """;

    /// <summary>The request lines logged so far, as "METHOD URI STATUS BYTES range=RANGE" (range=- without a Range header).</summary>
    public IReadOnlyList<string> Requests()
    {
        var path = AccessLog;
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd()} {ReadErrorLog()}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"nginx did not listen on {Port}: {ReadErrorLog()}");
    }

    private string ReadErrorLog()
    {
        var path = Path.Combine(Directory, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
