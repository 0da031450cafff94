using System.Security.Cryptography;
using CsCheck;
using Stork.Format.Crypto;

namespace Stork.Format.Tests.Crypto;

/// <summary>
/// <see cref="Hashing.Sha256"/> hashes small inputs with libsodium and large ones with OpenSSL: both must give
/// System.Security.Cryptography's digest, whatever the bytes and on either side of <see cref="Hashing.SodiumLimit"/>.
/// </summary>
public sealed class HashingTests
{
    private static void SameAsDotNet(byte[] data)
    {
        Assert.Equal(SHA256.HashData(data), Hashing.Sha256(data));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Hashing.Sha256Hex(data));
        var into = new byte[40]; // the span overload writes exactly the first 32 bytes
        Hashing.Sha256(data, into);
        Assert.Equal(SHA256.HashData(data), into[..32]);
        Assert.Equal(new byte[8], into[32..]);
    }

    [Fact]
    public void Sha256_of_random_small_inputs_equals_System_Security_Cryptography()
        => Gen.Byte.Array[0, 2048].Sample(SameAsDotNet, iter: 2000);

    [Fact]
    public void Sha256_around_the_libsodium_limit_equals_System_Security_Cryptography()
        => Gen.Select(Gen.Int[Hashing.SodiumLimit - 3, Hashing.SodiumLimit + 3], Gen.Int).Sample((length, seed) =>
        {
            var data = new byte[length];
            new Random(seed).NextBytes(data);
            SameAsDotNet(data);
        }, iter: 40);

    [Fact]
    public void Sha256_of_known_vectors()
    {
        // FIPS 180-2 examples: the empty string and "abc".
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hashing.Sha256Hex([]));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashing.Sha256Hex("abc"u8));
    }
}
