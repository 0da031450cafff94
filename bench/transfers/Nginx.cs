using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stork.Bench.Transfers;

/// <summary>An nginx on 127.0.0.1 with a private config; the access log records "METHOD URI STATUS BYTES".</summary>
internal sealed class Nginx : IDisposable
{
    private readonly Process _process;
    public string Dir { get; } = Directory.CreateTempSubdirectory("stork-bench-nginx-").FullName;
    public int Port { get; } = FreePort();
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public Nginx(string root, string locations, string http = "")
    {
        var config = $$"""
            daemon off; master_process off; worker_processes 1;
            error_log {{Dir}}/error.log warn; pid {{Dir}}/nginx.pid;
            events { worker_connections 1024; }
            http {
                log_format b '$request_method $uri $status $body_bytes_sent $msec $request_time $upstream_cache_status';
                access_log {{Dir}}/access.log b;
                client_body_temp_path {{Dir}}/cb; proxy_temp_path {{Dir}}/px; fastcgi_temp_path {{Dir}}/fc;
                uwsgi_temp_path {{Dir}}/uw; scgi_temp_path {{Dir}}/sc;
                types { application/json json; } default_type application/octet-stream; sendfile on;
                {{http}}
                server { listen 127.0.0.1:{{Port}}; root {{root}}; {{locations}} }
            }
            """;
        File.WriteAllText(Path.Combine(Dir, "nginx.conf"), config);
        var info = new ProcessStartInfo("/usr/sbin/nginx") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-c", Path.Combine(Dir, "nginx.conf"), "-p", Dir, "-e", Path.Combine(Dir, "error.log") }) info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        for (int i = 0; i < 200; i++)
        {
            try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, Port); return; }
            catch (SocketException) { Thread.Sleep(50); }
        }
        throw new InvalidOperationException("nginx did not start: " + File.ReadAllText(Path.Combine(Dir, "error.log")));
    }

    public IReadOnlyList<string[]> Log()
        => File.Exists(Path.Combine(Dir, "access.log")) ? File.ReadAllLines(Path.Combine(Dir, "access.log")).Select(l => l.Split(' ')).ToList() : [];

    public long BytesSent(int skip = 0) => Log().Skip(skip).Sum(l => long.Parse(l[3]));

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); }
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
