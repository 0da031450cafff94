using System.Text.Json.Nodes;
using NSec.Cryptography;
using Stork.Format.Json;

namespace Stork.Format.Crypto;

/// <summary>An Ed25519 private key. Stored on disk as a small JSON file holding the 32-byte seed in hex.</summary>
public sealed class SigningKey : IDisposable
{
    private readonly Key _key;
    public PublicKey Public { get; }
    public string KeyId => Public.KeyId;

    private SigningKey(Key key)
    {
        _key = key;
        Public = PublicKey.FromEd25519(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public static SigningKey Generate()
        => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static SigningKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32) throw new FormatException("an Ed25519 seed is 32 bytes");
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    public string ToPrivateJson()
    {
        var json = new JsonObject
        {
            ["keytype"] = PublicKey.Ed25519,
            ["scheme"] = PublicKey.Ed25519,
            ["keyid"] = KeyId,
            ["keyval"] = new JsonObject
            {
                ["public"] = Public.PublicHex,
                ["private"] = Convert.ToHexStringLower(_key.Export(KeyBlobFormat.RawPrivateKey)),
            },
        };
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    public static SigningKey FromPrivateJson(ReadOnlySpan<byte> utf8, string what)
    {
        var json = StrictJson.ParseObject(utf8, what);
        var keyval = StrictJson.RequireObject(json, "keyval", what);
        var privateHex = StrictJson.RequireString(keyval, "private", what);
        byte[] seed;
        try { seed = Convert.FromHexString(privateHex); }
        catch (FormatException) { throw new FormatException($"{what}: 'private' is not hex"); }
        return FromSeed(seed);
    }

    public void Dispose() => _key.Dispose();
}
