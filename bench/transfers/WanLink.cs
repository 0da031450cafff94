using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Stork.Bench.Transfers;

/// <summary>
/// The WAN link between a site and the origin: a TCP proxy whose connections share one download budget of
/// <c>bytesPerSecond</c>. Each connection books one chunk at a time on a shared schedule, so N busy connections get
/// 1/N of the link each, and one connection alone gets all of it.
/// </summary>
internal sealed class WanLink : IDisposable
{
    // 64 KiB is 7.8 ms of an 8 MiB/s link: the ~1 ms granularity of timers costs little per chunk.
    private const int ChunkBytes = 64 * 1024;

    // A timer that fires late must not waste link time (one connection alone lost ~40 % of the rate to that):
    // the schedule may lag the clock by this much and catch up, like a small token bucket.
    private const double CatchUpSeconds = 0.02;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstream;
    private readonly double _rate;
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private double _linkFreeAt;
    public Uri BaseUrl { get; }

    public WanLink(Uri upstream, long bytesPerSecond)
    {
        _upstream = upstream.Port;
        _rate = bytesPerSecond;
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient c;
                try { c = await _listener.AcceptTcpClientAsync(_stop.Token); } catch (Exception) { return; }
                _ = Task.Run(() => PipeAsync(c));
            }
        });
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var _ = client;
        using var up = new TcpClient();
        try
        {
            client.NoDelay = true;      // no Nagle wait on the last small segment of each chunk
            up.NoDelay = true;
            await up.ConnectAsync(IPAddress.Loopback, _upstream);
            var toServer = client.GetStream().CopyToAsync(up.GetStream());
            var toClient = ThrottledCopyAsync(up.GetStream(), client.GetStream());
            await Task.WhenAny(toServer, toClient);
        }
        catch (Exception) { }
    }

    private async Task ThrottledCopyAsync(Stream from, Stream to)
    {
        var buffer = new byte[ChunkBytes];
        int n;
        while ((n = await from.ReadAsync(buffer)) > 0)
        {
            var wait = Book(n) - _clock.Elapsed.TotalSeconds;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait));
            await to.WriteAsync(buffer.AsMemory(0, n));
        }
    }

    /// <summary>Books <paramref name="bytes"/> on the shared link; returns when (clock seconds) they have crossed it.</summary>
    private double Book(int bytes)
    {
        lock (_gate)
        {
            _linkFreeAt = Math.Max(_linkFreeAt, _clock.Elapsed.TotalSeconds - CatchUpSeconds) + bytes / _rate;
            return _linkFreeAt;
        }
    }

    public void Dispose() { _stop.Cancel(); _listener.Stop(); }
}
