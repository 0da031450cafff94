namespace Stork.Client.Fetching;

/// <summary>
/// Gets bytes from a repository mirror. The only network edge of the client; tests of the pure
/// cores may fake it, the end-to-end path always uses <see cref="HttpFetcher"/>.
/// </summary>
public interface IFetcher
{
    /// <summary>Fetches a whole (small) file, failing once more than <paramref name="maxLength"/> bytes arrive.</summary>
    /// <exception cref="Stork.Format.Errors.FetchException">Unreachable, HTTP error (<see cref="Stork.Format.Errors.FetchException"/> with 404 means "not there").</exception>
    Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation);

    /// <summary>
    /// Streams exactly <paramref name="length"/> bytes into <paramref name="destination"/>, checking every signed hash we know
    /// (sha256, sha512; at least one) on the way. Never reads past the signed length.
    /// </summary>
    Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation);
}
