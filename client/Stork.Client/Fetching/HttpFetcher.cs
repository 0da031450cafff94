using System.Net;
using System.Security.Cryptography;
using Stork.Format.Crypto;
using Stork.Format.Errors;

namespace Stork.Client.Fetching;

/// <summary>HTTP(S) fetching with hard byte limits and a stall timeout, treating every response as hostile.</summary>
public sealed class HttpFetcher : IFetcher, IDisposable
{
    private readonly HttpClient _client;
    private readonly FetchPolicy _policy;
    private readonly TimeProvider _time;

    /// <param name="time">Measures transfer rates (slow-retrieval guard); the system clock unless a test moves its own.</param>
    public HttpFetcher(FetchPolicy? policy = null, TimeProvider? time = null)
    {
        _policy = policy ?? FetchPolicy.Default;
        _time = time ?? TimeProvider.System;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            // Redirects are followed by hand, only within the mirror (RedirectPolicy).
            AllowAutoRedirect = false,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("stork-get/1");
    }

    /// <summary>
    /// Fetches a small file (metadata) of at most <paramref name="maxLength"/> bytes. Asks for gzip (nginx
    /// <c>gzip_static</c>) and decodes it here: the limit applies to the decoded bytes, decoding stops as soon as
    /// they exceed it (a small hostile gzip cannot expand without bound), and callers check length and hashes on
    /// the decoded bytes. Bad gzip data is a repository error like any other bad byte.
    /// </summary>
    public async Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
    {
        using var response = await SendAsync(url, cancellation, acceptGzip: true);
        bool gzip = IsGzip(response, url);
        // A gzip body may be a little longer than its content when that content does not compress.
        long wireLimit = gzip ? maxLength + 1024 + maxLength / 100 : maxLength;
        if (response.Content.Headers.ContentLength is { } declared && declared > wireLimit)
            throw new ContentMismatchException($"{url}: the server announces {declared} bytes, more than the limit of {maxLength}");
        await using var wire = await response.Content.ReadAsStreamAsync(cancellation);
        await using var body = gzip ? new System.IO.Compression.GZipStream(wire, System.IO.Compression.CompressionMode.Decompress) : wire;
        var rate = new RateGuard(_policy, url, _time);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            int read;
            try { read = await ReadWithStallTimeoutAsync(body, chunk, url, cancellation); }
            catch (InvalidDataException e) { throw new ContentMismatchException($"{url}: the gzip-encoded response is damaged ({e.Message})"); }
            if (read == 0) break;
            if (buffer.Length + read > maxLength)
                throw new ContentMismatchException($"{url}: more than {maxLength} bytes{(gzip ? " once decoded" : "")}; refusing endless data");
            buffer.Write(chunk, 0, read);
            rate.Add(read);
        }
        return buffer.ToArray();
    }

    /// <summary>Whether the body is gzip-encoded; any other encoding is refused (we asked for gzip or nothing).</summary>
    private static bool IsGzip(HttpResponseMessage response, Uri url)
    {
        var encodings = response.Content.Headers.ContentEncoding;
        if (encodings.Count == 0) return false;
        if (encodings.Count == 1 && string.Equals(encodings.First(), "gzip", StringComparison.OrdinalIgnoreCase)) return true;
        if (encodings.All(e => string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase))) return false;
        throw new ContentMismatchException($"{url}: the server sent Content-Encoding '{string.Join(", ", encodings)}'; only gzip is accepted");
    }

    /// <summary>Receives byte progress of blob downloads; null draws nothing.</summary>
    public ITransferProgress? Progress { get; set; }

    /// <summary>Bytes of blob bodies received over the network by this fetcher (resumed parts not counted).</summary>
    public long BlobBytesReceived => Interlocked.Read(ref _blobBytes);
    private long _blobBytes;

    /// <summary>
    /// Streams the blob into <paramref name="destination"/>. An existing partial file there (an interrupted earlier
    /// attempt) is re-hashed and continued with <c>Range: bytes=N-</c>; a server ignoring Range (200) gets a full
    /// download. The partial file is kept when the transfer breaks, deleted when the bytes prove wrong.
    /// </summary>
    public async Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation)
    {
        using var hash = new SignedDigests(hashes, url.ToString());
        long have = ResumablePart(destination, length, hash);
        if (have == length)
        {
            if (hash.FinishMismatch() is null) return;
            File.Delete(destination);
            have = 0;
        }
        using var response = await SendAsync(url, cancellation, have > 0 ? have : null);
        if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            // The server ignored the Range: start over from byte 0.
            hash.Reset();
            have = 0;
        }
        else if (have > 0 && response.Content.Headers.ContentRange is { } range && (range.From != have || (range.Length is { } l && l != length)))
        {
            throw new ContentMismatchException($"{url}: asked for bytes {have}- of {length}, the server sent range {range}");
        }
        if (response.Content.Headers.ContentLength is { } declared && declared != length - have)
            throw new ContentMismatchException($"{url}: the server announces {declared} bytes, the signed length is {length} ({have} already here)");
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var rate = new RateGuard(_policy, url, _time);
        using var task = Progress?.Start(Path.GetFileName(url.AbsolutePath), length, have);
        await using (var output = new FileStream(destination, have > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var chunk = new byte[1 << 16];
            long received = have;
            while (received < length)
            {
                // Ask for no more than what is still owed, so we never read past the signed length.
                int wanted = (int)Math.Min(chunk.Length, length - received);
                int read = await ReadWithStallTimeoutAsync(body, chunk.AsMemory(0, wanted), url, cancellation);
                if (read == 0)
                    throw new FetchException($"{url}: the download stopped after {received} of {length} signed bytes (the part is kept; the next attempt resumes)");
                hash.Append(chunk.AsSpan(0, read));
                await output.WriteAsync(chunk.AsMemory(0, read), cancellation);
                received += read;
                Interlocked.Add(ref _blobBytes, read);
                task?.Advance(read);
                rate.Add(read);
            }
            await output.FlushAsync(cancellation);
        }
        if (hash.FinishMismatch() is { } algorithm)
        {
            File.Delete(destination);
            // The kept part may have been the bad bytes (from another mirror): one full download decides.
            if (have > 0) { await FetchToFileAsync(url, length, hashes, destination, cancellation); return; }
            throw new ContentMismatchException($"{url}: the {algorithm} does not match the signed {hashes[algorithm]}; the mirror served tampered or corrupt data");
        }
    }

    /// <summary>Length of a usable partial file (its bytes fed to <paramref name="hash"/>); 0 when there is none or it is too long.</summary>
    private static long ResumablePart(string path, long length, SignedDigests hash)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0) return 0;
        if (info.Length > length) { File.Delete(path); return 0; }
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = input.Read(buffer)) > 0) hash.Append(buffer.AsSpan(0, read));
        return info.Length;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellation, long? rangeFrom = null, bool acceptGzip = false)
    {
        var current = url;
        for (int hop = 0; ; hop++)
        {
            var response = await SendOnceAsync(current, rangeFrom, acceptGzip, cancellation);
            if (!RedirectPolicy.IsRedirect(response.StatusCode)) return CheckStatus(response, current);
            var location = response.Headers.Location;
            response.Dispose();
            current = RedirectPolicy.Next(url, current, location, hop);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Uri url, long? rangeFrom, bool acceptGzip, CancellationToken cancellation)
    {
        try
        {
            using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            headersTimeout.CancelAfter(_policy.StallTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (rangeFrom is { } from) request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, null);
            if (acceptGzip) request.Headers.AcceptEncoding.Add(new System.Net.Http.Headers.StringWithQualityHeaderValue("gzip"));
            return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new FetchException($"{url}: cannot reach the repository ({e.Message})", e);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new FetchException($"{url}: no response within {_policy.StallTimeout.TotalSeconds:0}s", e);
        }
    }

    private static HttpResponseMessage CheckStatus(HttpResponseMessage response, Uri url)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            throw new NotFoundException(url);
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new FetchException($"{url}: the repository answered HTTP {status}");
        }
        return response;
    }

    private async Task<int> ReadWithStallTimeoutAsync(Stream body, Memory<byte> buffer, Uri url, CancellationToken cancellation)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stall.CancelAfter(_policy.StallTimeout);
        try
        {
            return await body.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new FetchException($"{url}: the transfer stalled for {_policy.StallTimeout.TotalSeconds:0}s", e);
        }
        catch (IOException e)
        {
            throw new FetchException($"{url}: the connection broke ({e.Message})", e);
        }
    }

    private Task<int> ReadWithStallTimeoutAsync(Stream body, byte[] buffer, Uri url, CancellationToken cancellation)
        => ReadWithStallTimeoutAsync(body, buffer.AsMemory(), url, cancellation);

    public void Dispose() => _client.Dispose();

    /// <summary>Fails a transfer whose average rate, after the grace period, is below the policy's minimum.</summary>
    private sealed class RateGuard(FetchPolicy policy, Uri url, TimeProvider time)
    {
        private readonly long _start = time.GetTimestamp();
        private long _bytes;

        public void Add(int bytes)
        {
            _bytes += bytes;
            var elapsed = time.GetElapsedTime(_start);
            if (elapsed > policy.Grace && _bytes / elapsed.TotalSeconds < policy.MinBytesPerSecond)
                throw new FetchException($"{url}: only {_bytes / elapsed.TotalSeconds:0} bytes/s after {elapsed.TotalSeconds:0}s, below the minimum of {policy.MinBytesPerSecond} bytes/s (slow retrieval)");
        }
    }
}
