using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Format.Tests.Metadata;

public class SigningVectorTests
{
    private static readonly string Dir = RepoRoot.File("format-spec", "vectors", "signed-metadata");
    private static JsonObject TestKey => JsonNode.Parse(File.ReadAllBytes(Path.Combine(Dir, "test-key.json")))!.AsObject();

    [Fact]
    public void Key_id_is_sha256_of_the_canonical_key()
    {
        using var key = SigningKey.FromSeed(Convert.FromHexString(TestKey["seed"]!.GetValue<string>()));
        Assert.Equal(TestKey["public"]!.GetValue<string>(), key.Public.PublicHex);
        Assert.Equal(TestKey["keyid"]!.GetValue<string>(), key.KeyId);
    }

    [Fact]
    public void Vector_root_written_by_python_verifies_and_we_produce_the_same_bytes()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, "root.json"));
        var trusted = new TrustedMetadata(bytes, DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        Assert.Equal(1, trusted.Root.Header.Version);

        // Ed25519 is deterministic: re-signing the parsed content must reproduce the file exactly.
        var envelope = SignedEnvelope.Parse(bytes, "vector");
        var resigned = new SignedEnvelope(RootMetadata.FromSigned(envelope.Signed).ToSigned());
        using var key = SigningKey.FromSeed(Convert.FromHexString(TestKey["seed"]!.GetValue<string>()));
        resigned.Sign(key);
        Assert.Equal(bytes, resigned.ToBytes());
    }

    [Fact]
    public void A_changed_byte_in_signed_breaks_the_signature()
    {
        var envelope = SignedEnvelope.Parse(File.ReadAllBytes(Path.Combine(Dir, "root.json")), "vector");
        var root = RootMetadata.FromSigned(envelope.Signed);
        Assert.Equal(1, envelope.CountValidSignatures(root.Keys, root.Role(RoleNames.Root).KeyIds));
        envelope.Signed["expires"] = "2099-01-02T00:00:00Z";
        Assert.Equal(0, envelope.CountValidSignatures(root.Keys, root.Role(RoleNames.Root).KeyIds));
    }

    [Fact]
    public void The_same_key_signing_twice_counts_once()
    {
        var envelope = SignedEnvelope.Parse(File.ReadAllBytes(Path.Combine(Dir, "root.json")), "vector");
        var root = RootMetadata.FromSigned(envelope.Signed);
        envelope.Signatures.Add(envelope.Signatures[0]);
        Assert.Equal(1, envelope.CountValidSignatures(root.Keys, root.Role(RoleNames.Root).KeyIds));
    }

    [Fact]
    public void Expiry_uses_the_tuf_form()
    {
        Assert.Equal("2030-02-03T04:05:06Z", ExpiryFormat.Format(new DateTimeOffset(2030, 2, 3, 4, 5, 6, 789, TimeSpan.Zero)));
        Assert.Throws<MetadataFormatException>(() => ExpiryFormat.Parse("2030-02-03T04:05:06.5Z", "t"));
        Assert.Throws<MetadataFormatException>(() => ExpiryFormat.Parse("2030-02-03 04:05:06", "t"));
    }

    [Fact]
    public void Canonical_form_of_signed_is_what_gets_signed()
    {
        var envelope = SignedEnvelope.Parse(File.ReadAllBytes(Path.Combine(Dir, "root.json")), "vector");
        Assert.Equal(CanonicalJson.Serialize(envelope.Signed), envelope.CanonicalSigned());
    }
}
