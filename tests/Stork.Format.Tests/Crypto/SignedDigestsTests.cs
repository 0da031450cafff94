using System.Security.Cryptography;
using Stork.Format.Crypto;
using Stork.Format.Errors;

namespace Stork.Format.Tests.Crypto;

/// <summary>A target may list sha256, sha512 or both (TUF): every listed hash we know must match, at least one must be known.</summary>
public sealed class SignedDigestsTests
{
    private static readonly byte[] Data = "a package blob, streamed in two pieces"u8.ToArray();
    private static string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Data));
    private static string Sha512 => Convert.ToHexStringLower(SHA512.HashData(Data));

    private static string? Check(Dictionary<string, string> hashes, byte[] data)
    {
        using var digests = new SignedDigests(hashes, "blob");
        digests.Append(data.AsSpan(0, 10));
        digests.Append(data.AsSpan(10));
        return digests.FinishMismatch();
    }

    [Fact]
    public void Sha512_only_sha256_only_and_both_match_the_right_bytes()
    {
        Assert.Null(Check(new() { ["sha512"] = Sha512 }, Data));
        Assert.Null(Check(new() { ["sha256"] = Sha256 }, Data));
        Assert.Null(Check(new() { ["sha256"] = Sha256, ["sha512"] = Sha512.ToUpperInvariant(), ["blake3"] = "ignored" }, Data));
    }

    [Fact]
    public void Every_listed_hash_must_match()
    {
        var other = (byte[])Data.Clone();
        other[^1] ^= 1;
        Assert.Equal("sha512", Check(new() { ["sha512"] = Sha512 }, other));
        Assert.Equal("sha512", Check(new() { ["sha256"] = Sha256, ["sha512"] = new string('0', 128) }, Data));
        Assert.Equal("sha256", Check(new() { ["sha256"] = new string('0', 64), ["sha512"] = Sha512 }, Data));
    }

    [Fact]
    public void Only_unknown_algorithms_is_a_content_error_and_reset_starts_over()
    {
        var error = Assert.Throws<ContentMismatchException>(() => new SignedDigests(new Dictionary<string, string> { ["md5"] = "00" }, "blob"));
        Assert.Contains("md5", error.Message);
        using var digests = new SignedDigests(new Dictionary<string, string> { ["sha512"] = Sha512 }, "blob");
        digests.Append("garbage from a server that ignored Range"u8);
        digests.Reset();
        digests.Append(Data);
        Assert.Null(digests.FinishMismatch());
    }
}
