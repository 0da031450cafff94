using System.Collections.Concurrent;
using System.Diagnostics;
using Stork.Client.Fetching;

namespace Stork.Bench.Transfers;

/// <summary>
/// Where each host's time goes (<c>--trace</c>): every request with its start, first byte and end, and the phases
/// the bench times itself. Times are seconds since the run started.
/// </summary>
internal sealed class FetchTrace
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Span> _spans = new();

    public sealed record Span(string Host, string What, double Start, double FirstByte, double End);

    public double Now => _clock.Elapsed.TotalSeconds;

    public void Add(string host, string what, double start, double firstByte, double end) => _spans.Enqueue(new(host, what, start, firstByte, end));

    /// <summary>An HttpFetcher for one host whose requests (and blob first bytes) land in this trace.</summary>
    public IFetcher FetcherFor(string host)
    {
        var http = new HttpFetcher();
        var firstBytes = new FirstBytes(this);
        http.Progress = firstBytes;
        return new Recording(http, host, this, firstBytes);
    }

    public void Print(TextWriter output, string label)
    {
        output.WriteLine($"  {label}: host  what                               start  1st-byte   end   (s)");
        foreach (var s in _spans.OrderBy(s => s.Host, StringComparer.Ordinal).ThenBy(s => s.Start))
            output.WriteLine($"  {label}: {s.Host,-4}  {s.What,-34} {s.Start,6:0.000}  {(double.IsNaN(s.FirstByte) ? "" : s.FirstByte.ToString("0.000")),7}  {s.End,6:0.000}");
    }

    /// <summary>HttpFetcher calls Start once the response headers of a blob are in: that is the time to first byte.</summary>
    private sealed class FirstBytes(FetchTrace trace) : ITransferProgress
    {
        public readonly ConcurrentDictionary<string, double> Seen = new();
        public ITransferTask Start(string label, long total, long already) { Seen[label] = trace.Now; return new Nothing(); }
        private sealed class Nothing : ITransferTask { public void Advance(long bytes) { } public void Dispose() { } }
    }

    private sealed class Recording(HttpFetcher inner, string host, FetchTrace trace, FirstBytes firstBytes) : IFetcher, IDisposable
    {
        public async Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
        {
            var start = trace.Now;
            try { return await inner.FetchAsync(url, maxLength, cancellation); }
            finally { trace.Add(host, Name(url), start, double.NaN, trace.Now); }
        }

        public async Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation)
        {
            var start = trace.Now;
            try { await inner.FetchToFileAsync(url, length, hashes, destination, cancellation); }
            finally { trace.Add(host, "blob " + Path.GetFileName(url.AbsolutePath)[..12], start, firstBytes.Seen.GetValueOrDefault(Path.GetFileName(url.AbsolutePath), double.NaN), trace.Now); }
        }

        private static string Name(Uri url) => url.AbsolutePath.TrimStart('/');

        public void Dispose() => inner.Dispose();
    }
}
