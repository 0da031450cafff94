using System.Security.Cryptography;

namespace Stork.Format.Crypto;

/// <summary>
/// The key types and signature schemes Stork verifies, in securesystemslib's encodings (SPEC.md §4.1):
/// <list type="bullet">
/// <item><c>ed25519</c>/<c>ed25519</c>: 32-byte public key in hex, 64-byte signature (NSec).</item>
/// <item><c>ecdsa</c> (or the older key type spelling <c>ecdsa-sha2-nistp256</c>/<c>-nistp384</c>) with scheme
/// <c>ecdsa-sha2-nistp256</c>, <c>ecdsa-sha2-nistp384</c> or <c>ecdsa-sha2-nistp521</c>: PEM SubjectPublicKeyInfo
/// (an uncompressed point in hex, as old sigstore roots have, is also read), DER-encoded (r, s) signature over
/// SHA-256/384/512 of the message, on the curve the scheme names.</item>
/// <item><c>rsa</c> with <c>rsassa-pss-sha256</c>/<c>-sha384</c>/<c>-sha512</c> (MGF1 with the same hash, salt as long
/// as the digest) or <c>rsa-pkcs1v15-sha256</c>/<c>-sha384</c>/<c>-sha512</c>: PEM public key.</item>
/// </list>
/// Everything else (other pairs, undecodable public values) yields no verifier: such a key never counts.
/// All cryptography is .NET's (System.Security.Cryptography) or NSec; nothing here is hand-made.
/// </summary>
public static class KeySchemes
{
    public const string EcdsaP256 = "ecdsa-sha2-nistp256";
    public const string EcdsaP384 = "ecdsa-sha2-nistp384";
    public const string EcdsaP521 = "ecdsa-sha2-nistp521";
    public const string RsaPssSha256 = "rsassa-pss-sha256";

    /// <summary>Key types whose keyval must hold a string "public".</summary>
    public static bool IsKnownKeyType(string keyType)
        => keyType is PublicKey.Ed25519 or PublicKey.Ecdsa or PublicKey.Rsa or EcdsaP256 or EcdsaP384;

    internal abstract class Verifier
    {
        public abstract bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
    }

    internal static Verifier? CreateVerifier(string keyType, string scheme, string? publicValue)
    {
        if (publicValue is null) return null;
        try
        {
            if (keyType == PublicKey.Ed25519 && scheme == PublicKey.Ed25519)
                return Ed25519Verifier.Create(publicValue);
            if (EcdsaCurve(keyType, scheme) is { } ec)
                return EcdsaVerifier.Create(publicValue, ec.Bits, ec.Hash);
            if (keyType == PublicKey.Rsa && RsaScheme(scheme) is { } rsa)
                return RsaVerifier.Create(publicValue, rsa.Hash, rsa.Padding);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or CryptographicException)
        {
            return null;
        }
        return null;
    }

    /// <summary>securesystemslib accepts key type "ecdsa" with any of the three schemes, and the old key type names only with their own scheme.</summary>
    private static (int Bits, HashAlgorithmName Hash)? EcdsaCurve(string keyType, string scheme) => scheme switch
    {
        EcdsaP256 when keyType is PublicKey.Ecdsa or EcdsaP256 => (256, HashAlgorithmName.SHA256),
        EcdsaP384 when keyType is PublicKey.Ecdsa or EcdsaP384 => (384, HashAlgorithmName.SHA384),
        EcdsaP521 when keyType is PublicKey.Ecdsa or EcdsaP521 => (521, HashAlgorithmName.SHA512),
        _ => null,
    };

    private static (HashAlgorithmName Hash, RSASignaturePadding Padding)? RsaScheme(string scheme) => scheme switch
    {
        "rsassa-pss-sha256" => (HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        "rsassa-pss-sha384" => (HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
        "rsassa-pss-sha512" => (HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
        "rsa-pkcs1v15-sha256" => (HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        "rsa-pkcs1v15-sha384" => (HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
        "rsa-pkcs1v15-sha512" => (HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
        _ => null,
    };

    private sealed class Ed25519Verifier(byte[] raw) : Verifier
    {
        public static Ed25519Verifier? Create(string hex)
        {
            var raw = Convert.FromHexString(hex);
            return raw.Length == 32 ? new Ed25519Verifier(raw) : null;
        }

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
            => PublicKey.VerifyEd25519(raw, message, signature);
    }

    private sealed class EcdsaVerifier(ECDsa key, HashAlgorithmName hash) : Verifier
    {
        private readonly object _gate = new();

        public static EcdsaVerifier? Create(string publicValue, int bits, HashAlgorithmName hash)
        {
            var key = ECDsa.Create();
            try
            {
                if (publicValue.Contains("-----BEGIN", StringComparison.Ordinal))
                {
                    if (!IsSinglePem(publicValue, "PUBLIC KEY")) { key.Dispose(); return null; }
                    key.ImportFromPem(publicValue);
                }
                else
                {
                    // An uncompressed point 04 || X || Y in hex (sigstore's root before it moved to PEM).
                    var point = Convert.FromHexString(publicValue);
                    int size = (bits + 7) / 8;
                    if (point.Length != 1 + 2 * size || point[0] != 4) { key.Dispose(); return null; }
                    key.ImportParameters(new ECParameters
                    {
                        Curve = bits switch { 256 => ECCurve.NamedCurves.nistP256, 384 => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 },
                        Q = new ECPoint { X = point[1..(1 + size)], Y = point[(1 + size)..] },
                    });
                }
                if (key.KeySize != bits) { key.Dispose(); return null; }
                return new EcdsaVerifier(key, hash);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        {
            try
            {
                lock (_gate) return key.VerifyData(message, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            catch (CryptographicException) { return false; }
        }
    }

    private sealed class RsaVerifier(RSA key, HashAlgorithmName hash, RSASignaturePadding padding) : Verifier
    {
        private readonly object _gate = new();

        public static RsaVerifier? Create(string publicValue, HashAlgorithmName hash, RSASignaturePadding padding)
        {
            if (!IsSinglePem(publicValue, "PUBLIC KEY") && !IsSinglePem(publicValue, "RSA PUBLIC KEY")) return null;
            var key = RSA.Create();
            try
            {
                key.ImportFromPem(publicValue);
                // Too small to be a real key (and a cheap way to make verification of everything slow is a huge one).
                if (key.KeySize < 2048 || key.KeySize > 16384) { key.Dispose(); return null; }
                return new RsaVerifier(key, hash, padding);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        {
            try
            {
                lock (_gate) return key.VerifyData(message, signature, hash, padding);
            }
            catch (CryptographicException) { return false; }
        }
    }

    /// <summary>Exactly one PEM block with this label (a public key, never a private one).</summary>
    private static bool IsSinglePem(string text, string label)
    {
        if (!PemEncoding.TryFind(text, out var fields)) return false;
        if (!text.AsSpan()[fields.Label].SequenceEqual(label)) return false;
        return !PemEncoding.TryFind(text.AsSpan()[fields.Location.End.Value..], out _);
    }
}
