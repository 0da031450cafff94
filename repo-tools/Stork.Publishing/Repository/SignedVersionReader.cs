using System.Text.Json;

namespace Stork.Publishing.Repository;

/// <summary>
/// The version of a top-level role's file read from its tokens (no DOM): <c>timestamp --refresh</c> needs only the
/// snapshot's version, length and hash, and the snapshot lists every role (257 entries with 256 hash bins).
/// Null when the file is not a simple envelope of that role (the caller then parses it in full, which names the fault).
/// </summary>
internal static class SignedVersionReader
{
    public static long? Read(ReadOnlySpan<byte> file, string type)
    {
        try
        {
            var reader = new Utf8JsonReader(file);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            long? version = null;
            bool typed = false, signedSeen = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("signed"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                if (signedSeen || !reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                signedSeen = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("_type"u8))
                    {
                        if (typed || !reader.Read() || reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals(type)) return null;
                        typed = true;
                    }
                    else if (reader.ValueTextEquals("version"u8))
                    {
                        if (version is not null || !reader.Read() || reader.TokenType != JsonTokenType.Number
                            || !reader.TryGetInt64(out var v) || v < 1) return null;
                        version = v;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                if (reader.TokenType != JsonTokenType.EndObject) return null;
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return null;
            return typed ? version : null;
        }
        catch (JsonException) { return null; }
    }
}
