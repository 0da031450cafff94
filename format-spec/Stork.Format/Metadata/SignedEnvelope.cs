using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

public sealed record Signature(string KeyId, string SignatureHex);

/// <summary>
/// A metadata file as it travels: {"signatures": [...], "signed": {...}}.
/// The signed part is kept as parsed JSON so that fields we do not model are still covered by the signature check.
/// </summary>
public sealed class SignedEnvelope
{
    public JsonObject Signed { get; }
    public List<Signature> Signatures { get; }

    public SignedEnvelope(JsonObject signed, IEnumerable<Signature>? signatures = null)
    {
        Signed = signed;
        Signatures = signatures?.ToList() ?? [];
    }

    /// <summary>The signed "_type"; a missing or non-string one is a <see cref="MetadataFormatException"/>.</summary>
    public string Type
    {
        get
        {
            try { return StrictJson.RequireString(Signed, "_type", "metadata"); }
            catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
        }
    }

    /// <summary>The bytes of the "signed" value exactly as received (set by <see cref="Parse"/>); null for envelopes built here.</summary>
    private byte[]? _receivedSigned;

    /// <summary>The exact bytes signatures are made over.</summary>
    public byte[] CanonicalSigned() => CanonicalJson.Serialize(Signed);

    public static SignedEnvelope Parse(ReadOnlySpan<byte> utf8, string what)
    {
        try
        {
            var json = StrictJson.ParseCanonicalObject(utf8, what);
            var signed = StrictJson.RequireObject(json, "signed", what);
            var signatures = new List<Signature>();
            var keyIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in StrictJson.RequireArray(json, "signatures", what))
            {
                if (item is not JsonObject sig) throw new MetadataFormatException($"{what}: every signature must be an object");
                var keyId = StrictJson.RequireString(sig, "keyid", what);
                // TUF §4.2: "The keyid MUST be unique in the signatures array".
                if (!keyIds.Add(keyId)) throw new MetadataFormatException($"{what}: key ID {keyId} signs twice in 'signatures'");
                signatures.Add(new Signature(keyId, StrictJson.RequireString(sig, "sig", what)));
            }
            json.Remove("signed");
            return new SignedEnvelope(signed, signatures) { _receivedSigned = ReceivedSignedBytes(utf8) };
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    /// <summary>The raw bytes of the top-level "signed" value; null when they cannot be located.</summary>
    private static byte[]? ReceivedSignedBytes(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(utf8, new System.Text.Json.JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                bool isSigned = reader.ValueTextEquals("signed"u8);
                reader.Read();
                if (isSigned)
                {
                    long start = reader.TokenStartIndex;
                    reader.Skip();
                    return utf8[(int)start..(int)reader.BytesConsumed].ToArray();
                }
                reader.Skip();
            }
        }
        catch (System.Text.Json.JsonException) { }
        return null;
    }

    /// <summary>
    /// Like <see cref="CountValidSignatures"/>, for an envelope from <see cref="Parse"/> whose <see cref="Signed"/>
    /// was not modified: each signature is checked over the "signed" bytes exactly as received (what a canonical
    /// publisher signed, without re-serializing the parsed document), and only one that fails there is checked again
    /// over the canonical re-serialization (files pretty-printed by other TUF tools).
    /// </summary>
    public int CountValidSignaturesOverReceivedBytes(IReadOnlyDictionary<string, PublicKey> keys, IEnumerable<string> authorisedKeyIds)
    {
        if (_receivedSigned is null) return CountValidSignatures(keys, authorisedKeyIds);
        byte[] received = _receivedSigned;
        byte[]? canonical = null;
        return CountDistinctValid(Signatures.Select(s => (s.KeyId, s.SignatureHex)), keys, authorisedKeyIds,
            (key, raw) => key.Verify(received, raw) || key.Verify(canonical ??= CanonicalSigned(), raw));
    }

    /// <summary>Adds (or replaces) this key's signature over the canonical signed part.</summary>
    public void Sign(SigningKey key)
    {
        var sig = Convert.ToHexStringLower(key.Sign(CanonicalSigned()));
        Signatures.RemoveAll(s => s.KeyId == key.KeyId);
        Signatures.Add(new Signature(key.KeyId, sig));
    }

    /// <summary>Counts the distinct authorised keys with a valid signature. A key signing twice counts once.</summary>
    public int CountValidSignatures(IReadOnlyDictionary<string, PublicKey> keys, IEnumerable<string> authorisedKeyIds)
    {
        var message = CanonicalSigned();
        return CountDistinctValid(Signatures.Select(s => (s.KeyId, s.SignatureHex)), keys, authorisedKeyIds,
            (key, raw) => key.Verify(message, raw));
    }

    /// <summary>
    /// The threshold rule in one place: counts the distinct authorised key ids, known in <paramref name="keys"/>,
    /// with a signature (hex) that <paramref name="verifies"/> accepts. A key signing twice counts once; an
    /// unauthorised, unknown or malformed signature counts nothing.
    /// </summary>
    public static int CountDistinctValid(IEnumerable<(string KeyId, string Hex)> signatures, IReadOnlyDictionary<string, PublicKey> keys,
        IEnumerable<string> authorisedKeyIds, Func<PublicKey, byte[], bool> verifies)
    {
        var authorised = authorisedKeyIds.ToHashSet(StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyId, hex) in signatures)
        {
            if (!authorised.Contains(keyId) || counted.Contains(keyId)) continue;
            if (!keys.TryGetValue(keyId, out var key)) continue;
            byte[] raw;
            try { raw = Convert.FromHexString(hex); }
            catch (FormatException) { continue; }
            if (verifies(key, raw)) counted.Add(keyId);
        }
        return counted.Count;
    }

    /// <summary>
    /// The file form: canonical JSON of the whole envelope, except that control characters inside strings (the
    /// newlines of PEM public keys) are escaped as \u00XX, because canonical JSON leaves them raw and raw control
    /// characters are not valid JSON. Without such characters the file is exactly canonical.
    /// </summary>
    public byte[] ToBytes()
    {
        var signatures = new JsonArray();
        foreach (var s in Signatures.OrderBy(s => s.KeyId, StringComparer.Ordinal))
            signatures.Add((JsonNode)new JsonObject { ["keyid"] = s.KeyId, ["sig"] = s.SignatureHex });
        var json = new JsonObject { ["signatures"] = signatures, ["signed"] = Signed.DeepClone() };
        return EscapeControlCharacters(CanonicalJson.Serialize(json));
    }

    /// <summary>Canonical JSON has no whitespace outside strings, so every byte below 0x20 is inside a string.</summary>
    private static byte[] EscapeControlCharacters(byte[] canonical)
    {
        if (canonical.AsSpan().IndexOfAnyInRange((byte)0, (byte)0x1f) < 0) return canonical;
        var output = new MemoryStream(canonical.Length + 64);
        foreach (var b in canonical)
        {
            if (b >= 0x20) { output.WriteByte(b); continue; }
            output.Write(System.Text.Encoding.ASCII.GetBytes($"\\u{b:x4}"));
        }
        return output.ToArray();
    }
}
