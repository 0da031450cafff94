using System.Text.Json;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>
/// A metadata file's envelope as received, read without building a DOM: its signatures and the exact bytes of its
/// "signed" value, which signatures are checked over and which typed readers (<see cref="TargetsReader"/>) walk.
/// Refuses exactly what <see cref="SignedEnvelope.Parse"/> refuses, with the same messages.
/// </summary>
public sealed class ReceivedEnvelope
{
    /// <summary>The bytes of the "signed" value exactly as received (a valid, strictly checked JSON object).</summary>
    public byte[] Signed { get; }
    public IReadOnlyList<Signature> Signatures { get; }
    private byte[]? _canonical;

    private ReceivedEnvelope(byte[] signed, List<Signature> signatures)
    {
        Signed = signed;
        Signatures = signatures;
    }

    public static ReceivedEnvelope Parse(ReadOnlySpan<byte> utf8, string what)
    {
        try
        {
            StrictJsonReader.Check(utf8, what, integersOnly: true);
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = StrictJsonReader.MaxDepth });
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw new FormatException($"{what}: expected a JSON object");
            // Checked in SignedEnvelope.Parse's order whatever the order of the keys: "signed", then "signatures".
            int signedStart = -1, signedEnd = -1;
            bool hasSignatures = false;
            var signaturesAt = default(Utf8JsonReader);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isSigned = reader.ValueTextEquals("signed"u8), isSignatures = reader.ValueTextEquals("signatures"u8);
                reader.Read();
                if (isSigned && reader.TokenType == JsonTokenType.StartObject)
                {
                    signedStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    signedEnd = (int)reader.BytesConsumed;
                    continue;
                }
                if (isSignatures && reader.TokenType == JsonTokenType.StartArray) { hasSignatures = true; signaturesAt = reader; }
                reader.Skip();
            }
            if (signedStart < 0) throw new FormatException($"{what}: 'signed' must be an object");
            if (!hasSignatures) throw new FormatException($"{what}: 'signatures' must be an array");
            var signatures = ReadSignatures(ref signaturesAt, what);
            return new ReceivedEnvelope(utf8[signedStart..signedEnd].ToArray(), signatures);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    /// <summary>The signatures array (the reader on its start): every item an object with string "keyid" and "sig", each key ID once.</summary>
    private static List<Signature> ReadSignatures(ref Utf8JsonReader reader, string what)
    {
        var signatures = new List<Signature>();
        var keyIds = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new MetadataFormatException($"{what}: every signature must be an object");
            string? keyId = null, sig = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isKeyId = reader.ValueTextEquals("keyid"u8), isSig = reader.ValueTextEquals("sig"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isKeyId) keyId = reader.GetString();
                    else if (isSig) sig = reader.GetString();
                }
                reader.Skip();
            }
            if (keyId is null) throw new FormatException($"{what}: 'keyid' must be a string");
            // TUF §4.2: "The keyid MUST be unique in the signatures array".
            if (!keyIds.Add(keyId)) throw new MetadataFormatException($"{what}: key ID {keyId} signs twice in 'signatures'");
            if (sig is null) throw new FormatException($"{what}: 'sig' must be a string");
            signatures.Add(new Signature(keyId, sig));
        }
        return signatures;
    }

    /// <summary>The canonical re-serialization of the signed value (built on demand, for files other tools pretty-printed).</summary>
    public byte[] CanonicalSigned() => _canonical ??= CanonicalJson.Serialize(StrictJson.ParseCanonicalObject(Signed, "signed"));

    /// <summary>
    /// As <see cref="SignedEnvelope.CountValidSignaturesOverReceivedBytes"/>: each signature is checked over the
    /// received signed bytes, and only one that fails there over the canonical re-serialization.
    /// </summary>
    public int CountValidSignatures(IReadOnlyDictionary<string, PublicKey> keys, IEnumerable<string> authorisedKeyIds)
        => SignedEnvelope.CountDistinctValid(Signatures.Select(s => (s.KeyId, s.SignatureHex)), keys, authorisedKeyIds,
            (key, raw) => key.Verify(Signed, raw) || key.Verify(CanonicalSigned(), raw));

    /// <summary>Whether two envelopes sign the same content: the same bytes, or the same canonical form.</summary>
    public bool SignsSameAs(ReceivedEnvelope other)
        => Signed.AsSpan().SequenceEqual(other.Signed) || CanonicalSigned().AsSpan().SequenceEqual(other.CanonicalSigned());
}
