using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NSec.Cryptography;
using Stork.Format.Json;

namespace Stork.Format.Crypto;

/// <summary>
/// A private signing key of one of the supported types (<see cref="KeySchemes"/>). Stored on disk as a small JSON
/// file: the public TUF key fields plus keyval.private, which is the 32-byte ed25519 seed in hex, or a PEM PKCS#8
/// private key for ecdsa and rsa (what securesystemslib's CryptoSigner.private_bytes writes).
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>Names accepted by <see cref="Generate(string)"/> (and <c>stork-publish key new --type</c>).</summary>
    public static readonly string[] GeneratableTypes = [PublicKey.Ed25519, KeySchemes.EcdsaP256, KeySchemes.EcdsaP384, KeySchemes.RsaPssSha256];

    private readonly Key? _ed25519;
    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;
    private readonly HashAlgorithmName _hash;
    public PublicKey Public { get; }
    public string KeyId => Public.KeyId;

    private SigningKey(Key key)
    {
        _ed25519 = key;
        Public = PublicKey.FromEd25519(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    private SigningKey(ECDsa key, string scheme)
    {
        _ecdsa = key;
        _hash = scheme switch { KeySchemes.EcdsaP384 => HashAlgorithmName.SHA384, KeySchemes.EcdsaP521 => HashAlgorithmName.SHA512, _ => HashAlgorithmName.SHA256 };
        Public = PublicKey.Create(PublicKey.Ecdsa, scheme, PemOf("PUBLIC KEY", key.ExportSubjectPublicKeyInfo()));
    }

    private SigningKey(RSA key)
    {
        _rsa = key;
        _hash = HashAlgorithmName.SHA256;
        Public = PublicKey.Create(PublicKey.Rsa, KeySchemes.RsaPssSha256, PemOf("PUBLIC KEY", key.ExportSubjectPublicKeyInfo()));
    }

    public static SigningKey Generate()
        => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <param name="type">ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384 or rsassa-pss-sha256 (3072-bit).</param>
    public static SigningKey Generate(string type) => type switch
    {
        PublicKey.Ed25519 => Generate(),
        KeySchemes.EcdsaP256 => new SigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), KeySchemes.EcdsaP256),
        KeySchemes.EcdsaP384 => new SigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP384), KeySchemes.EcdsaP384),
        KeySchemes.RsaPssSha256 or PublicKey.Rsa => new SigningKey(RSA.Create(3072)),
        _ => throw new ArgumentException($"unknown key type '{type}' (known: {string.Join(", ", GeneratableTypes)})"),
    };

    public static SigningKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32) throw new FormatException("an Ed25519 seed is 32 bytes");
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The signature over <paramref name="message"/> in the scheme's encoding (ECDSA: DER; RSA: PSS, salt = digest length).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        if (_ed25519 is not null) return SignatureAlgorithm.Ed25519.Sign(_ed25519, message);
        if (_ecdsa is not null) return _ecdsa.SignData(message, _hash, DSASignatureFormat.Rfc3279DerSequence);
        return _rsa!.SignData(message, _hash, RSASignaturePadding.Pss);
    }

    public string ToPrivateJson()
    {
        string privateValue = _ed25519 is not null
            ? Convert.ToHexStringLower(_ed25519.Export(KeyBlobFormat.RawPrivateKey))
            : PemOf("PRIVATE KEY", _ecdsa is not null ? _ecdsa.ExportPkcs8PrivateKey() : _rsa!.ExportPkcs8PrivateKey());
        var json = new JsonObject
        {
            ["keytype"] = Public.KeyType,
            ["scheme"] = Public.Scheme,
            ["keyid"] = KeyId,
            ["keyval"] = new JsonObject
            {
                ["public"] = Public.PublicValue,
                ["private"] = privateValue,
            },
        };
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    public static SigningKey FromPrivateJson(ReadOnlySpan<byte> utf8, string what)
    {
        var json = StrictJson.ParseObject(utf8, what);
        var keyval = StrictJson.RequireObject(json, "keyval", what);
        var privateValue = StrictJson.RequireString(keyval, "private", what);
        // Files written before other key types existed carry "ed25519" too; a file without keytype is one of those.
        var keyType = json.ContainsKey("keytype") ? StrictJson.RequireString(json, "keytype", what) : PublicKey.Ed25519;
        var scheme = json.ContainsKey("scheme") ? StrictJson.RequireString(json, "scheme", what) : PublicKey.Ed25519;
        if (keyType == PublicKey.Ed25519 && scheme == PublicKey.Ed25519)
        {
            byte[] seed;
            try { seed = Convert.FromHexString(privateValue); }
            catch (FormatException) { throw new FormatException($"{what}: 'private' is not hex"); }
            return FromSeed(seed);
        }
        try
        {
            if (keyType is PublicKey.Ecdsa or KeySchemes.EcdsaP256 or KeySchemes.EcdsaP384
                && scheme is KeySchemes.EcdsaP256 or KeySchemes.EcdsaP384 or KeySchemes.EcdsaP521)
            {
                var ecdsa = ECDsa.Create();
                try
                {
                    ecdsa.ImportFromPem(privateValue);
                    int expected = scheme switch { KeySchemes.EcdsaP256 => 256, KeySchemes.EcdsaP384 => 384, _ => 521 };
                    if (ecdsa.KeySize != expected) throw new FormatException($"{what}: the private key is not on the curve of {scheme}");
                    return new SigningKey(ecdsa, scheme);
                }
                catch { ecdsa.Dispose(); throw; }
            }
            if (keyType == PublicKey.Rsa && scheme == KeySchemes.RsaPssSha256)
            {
                var rsa = RSA.Create();
                try
                {
                    rsa.ImportFromPem(privateValue);
                    return new SigningKey(rsa);
                }
                catch { rsa.Dispose(); throw; }
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new FormatException($"{what}: the private key does not decode ({e.Message})");
        }
        throw new FormatException($"{what}: key type {keyType} with scheme {scheme} cannot sign here (known: {string.Join(", ", GeneratableTypes)})");
    }

    private static string PemOf(string label, byte[] der) => new string(PemEncoding.Write(label, der)) + "\n";

    public void Dispose()
    {
        _ed25519?.Dispose();
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }
}
