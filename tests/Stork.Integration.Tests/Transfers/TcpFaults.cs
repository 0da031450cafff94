using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Stork.Integration.Tests.Transfers;

/// <summary>A mirror that accepts connections and never answers (a stalled server).</summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    public Uri BaseUrl { get; }

    public SilentListener()
    {
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try { var s = await _listener.AcceptSocketAsync(_stop.Token); lock (_held) _held.Add(s); }
                catch (Exception) { return; }
            }
        });
    }

    public int Connections { get { lock (_held) return _held.Count; } }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held) foreach (var s in _held) s.Dispose();
    }
}

/// <summary>
/// A TCP proxy in front of a server. Once a request whose bytes contain <see cref="CutMarker"/> passed through, it
/// forwards <see cref="CutAfter"/> bytes of the answer and then closes the connection (once, while <see cref="Armed"/>).
/// It counts the answer bytes it delivered after such requests.
/// </summary>
public sealed class CuttingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private long _markedBytes;
    public Uri BaseUrl { get; }
    public required string CutMarker { get; init; }
    public required long CutAfter { get; init; }
    public volatile bool Armed = true;

    /// <summary>Answer bytes (headers included) delivered on connections after a request naming the marker.</summary>
    public long MarkedBytes => Interlocked.Read(ref _markedBytes);

    public CuttingProxy(Uri upstream)
    {
        _upstreamPort = upstream.Port;
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _c = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort);
            var clientStream = client.GetStream();
            var upstreamStream = upstream.GetStream();
            var marked = false;
            var up = Task.Run(async () =>
            {
                var buffer = new byte[16384];
                int n;
                while ((n = await clientStream.ReadAsync(buffer)) > 0)
                {
                    if (Encoding.ASCII.GetString(buffer, 0, n).Contains(CutMarker, StringComparison.Ordinal)) marked = true;
                    await upstreamStream.WriteAsync(buffer.AsMemory(0, n));
                }
            });
            var down = Task.Run(async () =>
            {
                var buffer = new byte[16384];
                long sinceMark = 0;
                int n;
                while ((n = await upstreamStream.ReadAsync(buffer)) > 0)
                {
                    if (marked && Armed)
                    {
                        int allowed = (int)Math.Min(n, CutAfter - sinceMark);
                        if (allowed > 0) await clientStream.WriteAsync(buffer.AsMemory(0, allowed));
                        sinceMark += allowed;
                        Interlocked.Add(ref _markedBytes, allowed);
                        if (sinceMark >= CutAfter) { Armed = false; client.Client.Close(); upstream.Client.Close(); return; }
                        continue;
                    }
                    if (marked) Interlocked.Add(ref _markedBytes, n);
                    await clientStream.WriteAsync(buffer.AsMemory(0, n));
                }
            });
            await Task.WhenAny(up, down);
        }
        catch (Exception) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
