using System.Text.Json;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Counts a metadata file's valid signatures over its "signed" bytes exactly as written, reading only the
/// envelope's tokens (no DOM): what every command's start-up check of the top-level roles needs. Null when the
/// file is not in the simple form this reads (the caller then parses it in full).
/// </summary>
internal static class QuickSignatureCheck
{
    public static int? Count(ReadOnlySpan<byte> file, IReadOnlyDictionary<string, PublicKey> keys, IEnumerable<string> authorisedKeyIds)
    {
        var signatures = new List<(string KeyId, string Hex)>();
        ReadOnlySpan<byte> signed = default;
        bool found = false;
        try
        {
            var reader = new Utf8JsonReader(file);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("signed"u8))
                {
                    reader.Read();
                    long start = reader.TokenStartIndex;
                    reader.Skip();
                    signed = file[(int)start..(int)reader.BytesConsumed];
                    found = true;
                }
                else if (reader.ValueTextEquals("signatures"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        string? keyId = null, hex = null;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var name = reader.GetString();
                            if (!reader.Read()) return null;
                            if (reader.TokenType != JsonTokenType.String) { reader.Skip(); continue; }
                            if (name == "keyid") keyId = reader.GetString();
                            else if (name == "sig") hex = reader.GetString();
                        }
                        if (keyId is null || hex is null) return null;
                        signatures.Add((keyId, hex));
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException) { return null; }
        if (!found) return null;
        var message = signed.ToArray();
        return SignedEnvelope.CountDistinctValid(signatures, keys, authorisedKeyIds, (key, raw) => key.Verify(message, raw));
    }
}
