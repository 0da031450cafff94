using System.Net;
using System.Security.Cryptography;
using Stork.Format.Errors;

namespace Stork.Client.Fetching;

/// <summary>HTTP(S) fetching with hard byte limits and a stall timeout, treating every response as hostile.</summary>
public sealed class HttpFetcher : IFetcher, IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _stallTimeout;

    public HttpFetcher(TimeSpan? stallTimeout = null)
    {
        _stallTimeout = stallTimeout ?? TimeSpan.FromSeconds(30);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("stork-get/1");
    }

    public async Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
    {
        using var response = await SendAsync(url, cancellation);
        if (response.Content.Headers.ContentLength is { } declared && declared > maxLength)
            throw new ContentMismatchException($"{url}: the server announces {declared} bytes, more than the limit of {maxLength}");
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            int read = await ReadWithStallTimeoutAsync(body, chunk, url, cancellation);
            if (read == 0) break;
            if (buffer.Length + read > maxLength)
                throw new ContentMismatchException($"{url}: more than {maxLength} bytes; refusing endless data");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public async Task FetchToFileAsync(Uri url, long length, string sha256, string destination, CancellationToken cancellation)
    {
        using var response = await SendAsync(url, cancellation);
        if (response.Content.Headers.ContentLength is { } declared && declared != length)
            throw new ContentMismatchException($"{url}: the server announces {declared} bytes, the signed length is {length}");
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var chunk = new byte[1 << 16];
            long received = 0;
            while (received < length)
            {
                // Ask for no more than what is still owed, so we never read past the signed length.
                int wanted = (int)Math.Min(chunk.Length, length - received);
                int read = await ReadWithStallTimeoutAsync(body, chunk.AsMemory(0, wanted), url, cancellation);
                if (read == 0)
                    throw new ContentMismatchException($"{url}: the download stopped after {received} of {length} signed bytes");
                hash.AppendData(chunk, 0, read);
                await output.WriteAsync(chunk.AsMemory(0, read), cancellation);
                received += read;
            }
            await output.FlushAsync(cancellation);
        }
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(destination);
            throw new ContentMismatchException($"{url}: sha256 {actual} does not match the signed {sha256}; the mirror served tampered or corrupt data");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            headersTimeout.CancelAfter(_stallTimeout);
            response = await _client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new FetchException($"{url}: cannot reach the repository ({e.Message})", e);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new FetchException($"{url}: no response within {_stallTimeout.TotalSeconds:0}s", e);
        }
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
        stall.CancelAfter(_stallTimeout);
        try
        {
            return await body.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new FetchException($"{url}: the transfer stalled for {_stallTimeout.TotalSeconds:0}s", e);
        }
        catch (IOException e)
        {
            throw new FetchException($"{url}: the connection broke ({e.Message})", e);
        }
    }

    private Task<int> ReadWithStallTimeoutAsync(Stream body, byte[] buffer, Uri url, CancellationToken cancellation)
        => ReadWithStallTimeoutAsync(body, buffer.AsMemory(), url, cancellation);

    public void Dispose() => _client.Dispose();
}
