using System.Text.Json.Nodes;
using NSec.Cryptography;
using Stork.Format.Json;

namespace Stork.Format.Crypto;

/// <summary>
/// A TUF public key in securesystemslib's encoding: {"keytype", "scheme", "keyval": {"public"}}. The key ID is the
/// sha256 of the canonical JSON of this object, as TUF 1.0 and securesystemslib compute it. Which pairs of key type
/// and scheme verify anything is decided in <see cref="KeySchemes"/>; any other pair is kept (it is part of the signed
/// metadata) but never counts toward a threshold.
/// </summary>
public sealed class PublicKey
{
    public const string Ed25519 = "ed25519";
    public const string Ecdsa = "ecdsa";
    public const string Rsa = "rsa";

    public string KeyType { get; }
    public string Scheme { get; }
    /// <summary>keyval.public as published: hex for ed25519, PEM SubjectPublicKeyInfo for ecdsa and rsa; null when absent.</summary>
    public string? PublicValue { get; }
    /// <summary>keyval.public (empty when absent). Kept for ed25519 callers; for other types it is PEM text, not hex.</summary>
    public string PublicHex => PublicValue ?? "";
    public string KeyId { get; }
    /// <summary>The JSON as published, including fields we do not interpret.</summary>
    public JsonObject Json { get; }

    private readonly Lazy<KeySchemes.Verifier?> _verifier;

    private PublicKey(JsonObject json, string keyType, string scheme, string? publicValue)
    {
        Json = json;
        KeyType = keyType;
        Scheme = scheme;
        PublicValue = publicValue;
        KeyId = Hashing.Sha256Hex(CanonicalJson.Serialize(json));
        _verifier = new Lazy<KeySchemes.Verifier?>(() => KeySchemes.CreateVerifier(keyType, scheme, publicValue), LazyThreadSafetyMode.ExecutionAndPublication);
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

    /// <summary>A key of any type from its three TUF fields (the public value as securesystemslib encodes it).</summary>
    public static PublicKey Create(string keyType, string scheme, string publicValue)
    {
        var json = new JsonObject
        {
            ["keytype"] = keyType,
            ["scheme"] = scheme,
            ["keyval"] = new JsonObject { ["public"] = publicValue },
        };
        return new PublicKey(json, keyType, scheme, publicValue);
    }

    /// <summary>
    /// Reads a key object. Key type, scheme and keyval are required; keyval.public may be missing or of another type
    /// for key types we do not know (such a key is kept and never verifies), but must be a string for the ones we do.
    /// </summary>
    public static PublicKey FromJson(JsonObject json, string what)
    {
        var keyType = StrictJson.RequireString(json, "keytype", what);
        var scheme = StrictJson.RequireString(json, "scheme", what);
        var keyval = StrictJson.RequireObject(json, "keyval", what);
        string? publicValue = keyval["public"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;
        if (publicValue is null && KeySchemes.IsKnownKeyType(keyType))
            throw new FormatException($"{what}: keyval 'public' must be a string");
        return new PublicKey((JsonObject)json.DeepClone(), keyType, scheme, publicValue);
    }

    /// <summary>Whether this key type and scheme is one we can verify and the public value decodes (a usable key).</summary>
    public bool IsSupported => _verifier.Value is not null;

    /// <summary>
    /// True only for a well-formed key of a supported type and scheme whose signature over <paramref name="message"/>
    /// checks out. Never throws for bad keys or signatures.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        => _verifier.Value is { } verifier && verifier.Verify(message, signature);

    /// <summary>Exported for <see cref="KeySchemes"/>: ed25519 raw-key verification through NSec.</summary>
    internal static bool VerifyEd25519(byte[] rawPublic, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (rawPublic.Length != 32 || signature.Length != 64) return false;
        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, rawPublic, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            return false;
        return SignatureAlgorithm.Ed25519.Verify(key, message, signature);
    }
}
