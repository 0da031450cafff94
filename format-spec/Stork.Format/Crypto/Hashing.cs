using System.Security.Cryptography;

namespace Stork.Format.Crypto;

public static class Hashing
{
    /// <summary>
    /// Inputs up to this size (key IDs, path hashes, root, snapshot and timestamp files) are hashed by libsodium,
    /// which Ed25519 loads anyway; larger ones (hash bins, packages) by OpenSSL. Loading and initialising OpenSSL
    /// costs about 5 ms on first use, a tenth of a `timestamp --refresh` that needs nothing else from it; per byte
    /// OpenSSL is 4-5 times faster here (SHA-NI: 1.5 GB/s against 0.33 GB/s), the same below 100 bytes.
    /// </summary>
    public const int SodiumLimit = 64 * 1024;

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(Sha256(data));

    /// <summary>The SHA-256 digest of <paramref name="data"/> (libsodium up to <see cref="SodiumLimit"/> bytes, OpenSSL above).</summary>
    public static byte[] Sha256(ReadOnlySpan<byte> data)
        => data.Length <= SodiumLimit ? NSec.Cryptography.HashAlgorithm.Sha256.Hash(data) : SHA256.HashData(data);

    /// <summary>Writes the SHA-256 digest of <paramref name="data"/> into <paramref name="destination"/> (32 bytes), without allocating.</summary>
    public static void Sha256(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (data.Length <= SodiumLimit) NSec.Cryptography.HashAlgorithm.Sha256.Hash(data, destination[..32]);
        else SHA256.HashData(data, destination);
    }

    public static string Sha256Hex(Stream data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha512Hex(Stream data) => Convert.ToHexStringLower(SHA512.HashData(data));

    public static string Sha256HexOfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Sha256Hex(stream);
    }

    /// <summary>
    /// Checks every hash whose algorithm we know (sha256, sha512); at least one must be known.
    /// Unknown algorithms are ignored rather than trusted.
    /// </summary>
    public static void CheckKnownHashes(ReadOnlySpan<byte> data, IReadOnlyDictionary<string, string> hashes, string what)
    {
        int checkedCount = 0;
        foreach (var (algorithm, expected) in hashes)
        {
            string? actual = algorithm switch
            {
                "sha256" => Sha256Hex(data),
                "sha512" => Convert.ToHexStringLower(SHA512.HashData(data)),
                _ => null,
            };
            if (actual is null) continue;
            checkedCount++;
            if (!DigestEquals(actual, expected))
                throw new Errors.ContentMismatchException($"{what}: {algorithm} does not match the signed hash");
        }
        if (checkedCount == 0)
            throw new Errors.ContentMismatchException($"{what}: none of the signed hash algorithms ({string.Join(", ", hashes.Keys)}) is supported");
    }

    /// <summary>Constant-time comparison of two lowercase hex digests.</summary>
    public static bool DigestEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(a.ToLowerInvariant()), System.Text.Encoding.ASCII.GetBytes(b.ToLowerInvariant()));
}
