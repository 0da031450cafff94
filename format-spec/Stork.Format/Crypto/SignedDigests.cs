using System.Security.Cryptography;
using Stork.Format.Errors;

namespace Stork.Format.Crypto;

/// <summary>
/// Hashes a stream of bytes with every signed algorithm we know (sha256, sha512) so that all of them can be
/// checked at the end: TUF says every listed hash must match, and a target may list only one of them.
/// </summary>
public sealed class SignedDigests : IDisposable
{
    private readonly List<(string Algorithm, string Expected, IncrementalHash Hash)> _hashes = [];

    /// <exception cref="ContentMismatchException">None of the signed algorithms is one we know.</exception>
    public SignedDigests(IReadOnlyDictionary<string, string> signed, string what)
    {
        // Incremental (a download is hashed as it arrives, of any size), so OpenSSL rather than Hashing.Sha256.
        foreach (var (algorithm, expected) in signed.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var name = algorithm switch { "sha256" => HashAlgorithmName.SHA256, "sha512" => HashAlgorithmName.SHA512, _ => default };
            if (name != default) _hashes.Add((algorithm, expected, IncrementalHash.CreateHash(name)));
        }
        if (_hashes.Count == 0)
            throw new ContentMismatchException($"{what}: none of the signed hash algorithms ({string.Join(", ", signed.Keys)}) is supported");
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        foreach (var (_, _, hash) in _hashes) hash.AppendData(data);
    }

    /// <summary>The first algorithm whose digest differs from the signed one, or null when all match; then starts over.</summary>
    public string? FinishMismatch()
    {
        string? mismatch = null;
        foreach (var (algorithm, expected, hash) in _hashes)
            if (!Hashing.DigestEquals(Convert.ToHexStringLower(hash.GetHashAndReset()), expected)) mismatch ??= algorithm;
        return mismatch;
    }

    public void Reset()
    {
        foreach (var (_, _, hash) in _hashes) hash.GetHashAndReset();
    }

    public void Dispose()
    {
        foreach (var (_, _, hash) in _hashes) hash.Dispose();
    }
}
