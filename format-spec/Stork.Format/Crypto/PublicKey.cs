using System.Text.Json.Nodes;
using NSec.Cryptography;
using Stork.Format.Json;

namespace Stork.Format.Crypto;

/// <summary>
/// A TUF key in the "ed25519" keyval form. The key ID is the sha256 of the canonical JSON of this object,
/// as TUF 1.0 and securesystemslib compute it.
/// </summary>
public sealed class PublicKey
{
    public const string Ed25519 = "ed25519";

    public string KeyType { get; }
    public string Scheme { get; }
    public string PublicHex { get; }
    public string KeyId { get; }
    /// <summary>The JSON as published, including fields we do not interpret.</summary>
    public JsonObject Json { get; }

    private PublicKey(JsonObject json, string keyType, string scheme, string publicHex)
    {
        Json = json;
        KeyType = keyType;
        Scheme = scheme;
        PublicHex = publicHex;
        KeyId = Hashing.Sha256Hex(CanonicalJson.Serialize(json));
    }

    public static PublicKey FromEd25519(ReadOnlySpan<byte> publicKey)
    {
        var json = new JsonObject
        {
            ["keytype"] = Ed25519,
            ["scheme"] = Ed25519,
            ["keyval"] = new JsonObject { ["public"] = Convert.ToHexStringLower(publicKey) },
        };
        return new PublicKey(json, Ed25519, Ed25519, Convert.ToHexStringLower(publicKey));
    }

    public static PublicKey FromJson(JsonObject json, string what)
    {
        var keyType = StrictJson.RequireString(json, "keytype", what);
        var scheme = StrictJson.RequireString(json, "scheme", what);
        var keyval = StrictJson.RequireObject(json, "keyval", what);
        var publicHex = StrictJson.RequireString(keyval, "public", what);
        return new PublicKey((JsonObject)json.DeepClone(), keyType, scheme, publicHex);
    }

    /// <summary>True only for a well-formed ed25519 key whose signature over <paramref name="message"/> checks out.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (KeyType != Ed25519 || Scheme != Ed25519) return false;
        byte[] raw;
        try { raw = Convert.FromHexString(PublicHex); }
        catch (FormatException) { return false; }
        if (raw.Length != 32 || signature.Length != 64) return false;
        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            return false;
        return SignatureAlgorithm.Ed25519.Verify(key, message, signature);
    }
}
