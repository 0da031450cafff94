using System.Net.Http.Headers;
using Stork.Format.Crypto;
using Stork.Format.Errors;

namespace Stork.Client.Fleet;

/// <summary>
/// POSTs the status record to report_url, signed with the host key (FLEET.md, "Reports"): the body is the record's
/// exact bytes; X-Stork-Signature carries "ed25519 KEYID HEX" over those bytes; the record names the host and its
/// public key, so a collector verifies the signature and checks the key against the one it pinned for that host.
/// </summary>
public sealed class StatusReporter(Uri url, SigningKey key, HttpMessageHandler? handler = null) : IDisposable
{
    public const string SignatureHeader = "X-Stork-Signature";
    public const string HostHeader = "X-Stork-Host";

    private readonly HttpClient _client = new(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(30) };

    public static string SignatureOf(SigningKey key, ReadOnlySpan<byte> body) => $"ed25519 {key.KeyId} {Convert.ToHexStringLower(key.Sign(body))}";

    /// <summary>Sends one record; a failure is a <see cref="FetchException"/> (the agent logs it and sends again after the next round).</summary>
    public async Task SendAsync(string host, byte[] body, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(SignatureHeader, SignatureOf(key, body));
        request.Headers.TryAddWithoutValidation(HostHeader, host);
        try
        {
            using var response = await _client.SendAsync(request, cancellation);
            if (!response.IsSuccessStatusCode)
                throw new FetchException($"report_url {url}: the collector answered HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            throw new FetchException($"report_url {url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            throw new FetchException($"report_url {url}: no answer within {_client.Timeout.TotalSeconds:0} s", e);
        }
    }

    public void Dispose() => _client.Dispose();
}
