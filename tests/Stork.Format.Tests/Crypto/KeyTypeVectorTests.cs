using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Format.Tests.Crypto;

/// <summary>
/// Keys and signatures of every supported type, made by python 'cryptography' as securesystemslib makes them
/// (format-spec/vectors/make-key-vectors.py), verified here; and keys Stork makes, checked against those rules.
/// </summary>
public class KeyTypeVectorTests
{
    private static readonly JsonArray Vectors = JsonNode.Parse(File.ReadAllBytes(RepoRoot.File("format-spec", "vectors", "key-types", "vectors.json")))!["vectors"]!.AsArray();

    public static IEnumerable<object[]> Schemes() => Vectors.Select(v => new object[] { v!["keytype"]!.GetValue<string>(), v["scheme"]!.GetValue<string>() });

    /// <summary>The schemes Stork writes keys in (the old key type spelling "ecdsa-sha2-nistp256" is read-only).</summary>
    public static IEnumerable<object[]> SignableSchemes() => Schemes().Where(s => (string)s[0] != "ecdsa-sha2-nistp256");

    private static JsonObject Vector(string keyType, string scheme)
        => Vectors.Select(v => v!.AsObject()).Single(v => v["keytype"]!.GetValue<string>() == keyType && v["scheme"]!.GetValue<string>() == scheme);

    private static PublicKey KeyOf(JsonObject v)
        => PublicKey.FromJson(new JsonObject { ["keytype"] = v["keytype"]!.DeepClone(), ["scheme"] = v["scheme"]!.DeepClone(), ["keyval"] = v["keyval"]!.DeepClone() }, "vector");

    [Fact]
    public void The_vectors_cover_every_required_scheme()
    {
        var schemes = Schemes().Select(s => $"{s[0]}/{s[1]}").ToHashSet();
        Assert.Superset(new HashSet<string> { "ed25519/ed25519", "ecdsa/ecdsa-sha2-nistp256", "ecdsa/ecdsa-sha2-nistp384", "rsa/rsassa-pss-sha256", "ecdsa-sha2-nistp256/ecdsa-sha2-nistp256" }, schemes);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void A_signature_made_by_cryptography_verifies_and_a_flipped_bit_does_not(string keyType, string scheme)
    {
        var v = Vector(keyType, scheme);
        var key = KeyOf(v);
        var message = Convert.FromHexString(v["message_hex"]!.GetValue<string>());
        Assert.True(key.IsSupported);
        Assert.Equal(v["keyid"]!.GetValue<string>(), key.KeyId);
        Assert.True(key.Verify(message, Convert.FromHexString(v["signature"]!.GetValue<string>())));
        Assert.False(key.Verify(message, Convert.FromHexString(v["bad_signature"]!.GetValue<string>())));
        var other = (byte[])message.Clone();
        other[^2] ^= 1;
        Assert.False(key.Verify(other, Convert.FromHexString(v["signature"]!.GetValue<string>())));
        Assert.False(key.Verify(message, []));
    }

    [Theory]
    [MemberData(nameof(SignableSchemes))]
    public void The_private_key_written_by_cryptography_signs_what_the_public_key_verifies(string keyType, string scheme)
    {
        var v = Vector(keyType, scheme);
        var file = new JsonObject { ["keytype"] = keyType, ["scheme"] = scheme, ["keyval"] = new JsonObject { ["public"] = v["keyval"]!["public"]!.DeepClone(), ["private"] = v["private"]!.DeepClone() } };
        using var signing = SigningKey.FromPrivateJson(System.Text.Encoding.UTF8.GetBytes(file.ToJsonString()), "vector");
        Assert.Equal(v["keyid"]!.GetValue<string>(), signing.KeyId);
        var message = Convert.FromHexString(v["message_hex"]!.GetValue<string>());
        Assert.True(KeyOf(v).Verify(message, signing.Sign(message)));
    }

    [Theory]
    [InlineData("ecdsa", "ecdsa-sha2-nistp384")]   // a P-256 key under the P-384 scheme
    [InlineData("rsa", "rsassa-pss-sha256")]       // an ecdsa key under an rsa scheme
    [InlineData("ed25519", "ed25519")]             // PEM where ed25519 wants hex
    public void A_key_whose_value_does_not_fit_its_scheme_verifies_nothing(string keyType, string scheme)
    {
        var p256 = Vector("ecdsa", "ecdsa-sha2-nistp256");
        var key = PublicKey.Create(keyType, scheme, p256["keyval"]!["public"]!.GetValue<string>());
        Assert.False(key.IsSupported);
        Assert.False(key.Verify(Convert.FromHexString(p256["message_hex"]!.GetValue<string>()), Convert.FromHexString(p256["signature"]!.GetValue<string>())));
    }

    [Fact]
    public void Unknown_key_types_and_schemes_are_read_but_never_count()
    {
        var odd = PublicKey.FromJson(JsonNode.Parse("""{"keytype":"sphincs","scheme":"sphincs-shake-128s","keyval":{"pub":"x"}}""")!.AsObject(), "k");
        Assert.False(odd.IsSupported);
        var oddScheme = PublicKey.FromJson(JsonNode.Parse("""{"keytype":"ed25519","scheme":"ed25519-ph","keyval":{"public":"00"}}""")!.AsObject(), "k");
        Assert.False(oddScheme.Verify([1], new byte[64]));
        // A known key type must carry a string public value.
        Assert.Throws<FormatException>(() => PublicKey.FromJson(JsonNode.Parse("""{"keytype":"ecdsa","scheme":"ecdsa-sha2-nistp256","keyval":{"public":7}}""")!.AsObject(), "k"));
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384")]
    [InlineData("rsassa-pss-sha256")]
    public void Stork_generates_signs_and_reloads_each_type_in_securesystemslib_form(string type)
    {
        using var key = SigningKey.Generate(type);
        var pub = key.Public;
        Assert.True(pub.IsSupported);
        if (type != "ed25519") Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", pub.PublicValue);
        Assert.Equal(type switch { "ed25519" => "ed25519", "rsassa-pss-sha256" => "rsa", _ => "ecdsa" }, pub.KeyType);
        // The key ID is the hash of the canonical key, recomputed from the JSON as another implementation would.
        Assert.Equal(Hashing.Sha256Hex(Stork.Format.Json.CanonicalJson.Serialize(pub.Json)), pub.KeyId);
        var message = "signed part"u8.ToArray();
        var signature = key.Sign(message);
        Assert.True(pub.Verify(message, signature));
        if (type.StartsWith("ecdsa", StringComparison.Ordinal)) Assert.Equal(0x30, signature[0]);   // DER SEQUENCE
        using var again = SigningKey.FromPrivateJson(System.Text.Encoding.UTF8.GetBytes(key.ToPrivateJson()), "file");
        Assert.Equal(key.KeyId, again.KeyId);
        Assert.True(pub.Verify(message, again.Sign(message)));
    }

    [Fact]
    public void A_root_signed_by_an_ecdsa_and_an_rsa_key_reaches_a_threshold_of_two()
    {
        using var ec = SigningKey.Generate("ecdsa-sha2-nistp256");
        using var rsa = SigningKey.Generate("rsassa-pss-sha256");
        var keys = new Dictionary<string, PublicKey> { [ec.KeyId] = ec.Public, [rsa.KeyId] = rsa.Public };
        var roles = Stork.Format.Metadata.RoleNames.TopLevel.ToDictionary(r => r, _ => new RoleKeys([ec.KeyId, rsa.KeyId], 2));
        var root = new RootMetadata(new SignedHeader("root", RoleNames.SpecVersion, 1, DateTimeOffset.Parse("2040-01-01T00:00:00Z")), true, keys, roles);
        var envelope = new SignedEnvelope(root.ToSigned());
        envelope.Sign(ec);
        Assert.Throws<UnsignedMetadataException>(() => new Stork.Format.Trust.TrustedMetadata(envelope.ToBytes(), DateTimeOffset.Parse("2030-01-01T00:00:00Z")));
        envelope.Sign(rsa);
        var trusted = new Stork.Format.Trust.TrustedMetadata(envelope.ToBytes(), DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        Assert.Equal(2, trusted.Root.Keys.Count);
    }

    [Fact]
    public void Duplicate_keyids_in_signatures_are_refused_even_when_each_is_valid()
    {
        using var key = SigningKey.Generate();
        var roles = RoleNames.TopLevel.ToDictionary(r => r, _ => new RoleKeys([key.KeyId], 1));
        var root = new RootMetadata(new SignedHeader("root", RoleNames.SpecVersion, 1, DateTimeOffset.Parse("2040-01-01T00:00:00Z")), true,
            new Dictionary<string, PublicKey> { [key.KeyId] = key.Public }, roles);
        var envelope = new SignedEnvelope(root.ToSigned());
        envelope.Sign(key);
        envelope.Signatures.Add(envelope.Signatures[0]);
        var e = Assert.Throws<MetadataFormatException>(() => new Stork.Format.Trust.TrustedMetadata(envelope.ToBytes(), DateTimeOffset.Parse("2030-01-01T00:00:00Z")));
        Assert.Contains("signs twice", e.Message);
    }
}
