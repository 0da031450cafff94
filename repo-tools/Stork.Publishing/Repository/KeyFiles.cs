using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Publishing.Repository;

/// <summary>
/// Reads key files given on the command line: a private key file (as the key store writes it) or a
/// public key file (the TUF key object, as <c>key new</c> writes it next to the private one).
/// </summary>
public static class KeyFiles
{
    public sealed record KeyFile(PublicKey Public, SigningKey? Private);

    public static KeyFile Read(string path)
    {
        if (!File.Exists(path)) throw new PublisherException($"key file {path} does not exist");
        JsonObject json;
        try { json = StrictJson.ParseObject(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new PublisherException($"{path} is not a key file: {e.Message}", e); }
        try
        {
            if (json["keyval"] is JsonObject keyval && keyval.ContainsKey("private"))
            {
                var key = KeyStore.LoadFile(path);
                return new KeyFile(key.Public, key);
            }
            var pub = PublicKey.FromJson(json, path);
            if (!pub.IsSupported)
                throw new PublisherException($"{path}: key type {pub.KeyType} with scheme {pub.Scheme} is not supported or its public value does not decode (supported: {string.Join(", ", SigningKey.GeneratableTypes)})");
            // Only the three TUF fields count for the key ID; drop anything else (e.g. a "keyid" hint).
            return new KeyFile(PublicKey.Create(pub.KeyType, pub.Scheme, pub.PublicValue!), null);
        }
        catch (FormatException e) { throw new PublisherException($"{path} is not a key file: {e.Message}", e); }
    }

    /// <summary>Writes the public half in TUF form, the file maintainers hand to the repository owner.</summary>
    public static void WritePublic(string path, PublicKey key)
        => File.WriteAllText(path, key.Json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
}
