using System.Security.Cryptography;

namespace Stork.Format.Crypto;

public static class Hashing
{
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha256Hex(Stream data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha256HexOfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Sha256Hex(stream);
    }

    /// <summary>Constant-time comparison of two lowercase hex digests.</summary>
    public static bool DigestEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(a.ToLowerInvariant()), System.Text.Encoding.ASCII.GetBytes(b.ToLowerInvariant()));
}
