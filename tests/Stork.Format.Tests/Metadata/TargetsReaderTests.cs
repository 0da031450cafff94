using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Format.Tests.Metadata;

/// <summary>
/// The typed streaming reader (<see cref="ReceivedEnvelope"/> + <see cref="TargetsReader"/>) against the DOM parser
/// (<see cref="SignedEnvelope.Parse"/> + <see cref="TargetsMetadata.FromSigned"/>) on random targets documents (every
/// field valid, of the wrong type, out of range or missing; keys in any order; canonical or not) and on byte
/// mutations of them: both accept or both refuse with the same exception type and message, and what both accept
/// reads the same (header, every target in listed order with its hashes and custom data, delegations).
/// </summary>
public sealed class TargetsReaderTests
{
    private static readonly long Cases = long.TryParse(Environment.GetEnvironmentVariable("STORK_FUZZ_CASES"), out var n) && n > 0 ? n : 2000;

    private static readonly Gen<string> Paths = Gen.OneOfConst("a", "packages/x/x_1.0.0.stork", "b/c", "é/ü", "tab\there", "quote\"d", "\u2028", "");

    /// <summary>A value of some JSON type, for fields that are given the wrong one.</summary>
    private static readonly Gen<JsonNode?> Wrong = Gen.OneOfConst<Func<JsonNode?>>(
        () => null, () => JsonValue.Create(1), () => JsonValue.Create(-1), () => JsonValue.Create("1"), () => JsonValue.Create(true),
        () => new JsonArray(), () => new JsonObject(), () => new JsonArray(JsonValue.Create("x"))).Select(f => f());

    /// <summary>A field: absent (null), valid, or a wrong value (the variant chosen by weight).</summary>
    private static Gen<(bool Present, JsonNode? Value)> Field(Gen<JsonNode?> valid)
        => Gen.Frequency((24, valid.Select(v => (true, v))), (1, Wrong.Select(v => (true, v))), (1, Gen.Const((false, (JsonNode?)null))));

    private static readonly Gen<JsonNode?> Hashes = Gen.Frequency(
        (12, Gen.OneOfConst("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ABCDEF", "abc", "xyz", "", "00")
            .Select(Gen.OneOfConst("sha256", "sha512", "md5"), (v, alg) => (JsonNode?)new JsonObject { [alg] = v })),
        (1, Gen.Const<JsonNode?>(new JsonObject { ["sha256"] = "00", ["sha512"] = "ff", ["x"] = "Q" })),
        (1, Gen.Const<JsonNode?>(new JsonObject { ["sha256"] = 5 })),
        (1, Gen.Const<JsonNode?>(new JsonObject())));

    private static readonly Gen<JsonNode?> Custom = Gen.OneOfConst<Func<JsonNode?>>(
        () => new JsonObject { ["stork"] = new JsonObject { ["name"] = "x", ["version"] = "1.0.0", ["depends"] = new JsonArray(new JsonArray("y")) } },
        () => new JsonObject { ["stork_installed_size"] = 12, ["nested"] = new JsonObject { ["a"] = new JsonArray(1, "ü", false, null) } },
        () => new JsonObject()).Select(f => f());

    private static readonly Gen<JsonNode?> Target =
        Gen.Select(Field(Gen.Long[0, 1L << 40].Select(l => (JsonNode?)l)), Field(Hashes), Field(Custom).Select(Gen.Bool, (c, extra) => (c, extra)))
            .Select(fields =>
            {
                var (length, hashes, (custom, extra)) = fields;
                var target = new JsonObject();
                if (length.Present) target["length"] = length.Value?.DeepClone();
                if (hashes.Present) target["hashes"] = hashes.Value?.DeepClone();
                if (custom.Present) target["custom"] = custom.Value?.DeepClone();
                if (extra) target["unknown"] = "ignored";
                return (JsonNode?)target;
            });

    private static readonly Gen<JsonNode?> Targets = Gen.Frequency(
        (9, Gen.Select(Paths, Gen.Frequency((24, Target), (1, Wrong))).Array[0, 4].Select(entries =>
        {
            var targets = new JsonObject();
            foreach (var (path, value) in entries) targets[path] = value?.DeepClone();
            return (JsonNode?)targets;
        })),
        (1, Wrong));

    private const string KeyId = "1111111111111111111111111111111111111111111111111111111111111111";

    private static readonly Gen<JsonNode?> Role = Gen.Select(Gen.OneOfConst("bin-0", "bin-1", "root", ""), Gen.Int[0, 5], Gen.Int[0, 4])
        .Select(v =>
        {
            var (name, shape, threshold) = v;
            var role = new JsonObject { ["name"] = name, ["keyids"] = new JsonArray(KeyId), ["threshold"] = threshold, ["terminating"] = shape != 4 };
            if (shape is 0 or 2) role["path_hash_prefixes"] = new JsonArray("0", "1");
            if (shape is 1 or 2) role["paths"] = new JsonArray("packages/*");
            if (shape == 5) role["paths"] = new JsonArray(1);
            return (JsonNode?)role;
        });

    private static readonly Gen<JsonNode?> Delegations = Gen.Frequency(
        (12, Gen.Select(Role.Array[0, 3], Gen.Frequency((6, Gen.Const(true)), (1, Gen.Const(false)))).Select(v => (JsonNode?)new JsonObject
        {
            ["keys"] = new JsonObject
            {
                [KeyId] = v.Item2
                    ? new JsonObject { ["keytype"] = "ed25519", ["scheme"] = "ed25519", ["keyval"] = new JsonObject { ["public"] = "ab" } }
                    : new JsonObject { ["keytype"] = "ed25519", ["scheme"] = "ed25519", ["keyval"] = new JsonObject() },
            },
            ["roles"] = new JsonArray(v.Item1.Select(r => r?.DeepClone()).ToArray()),
        })),
        (1, Wrong));

    /// <summary>A signed part with each field valid, wrong or missing, its keys in a random order.</summary>
    private static readonly Gen<JsonObject> Signed =
        Gen.Select(Field(Gen.OneOfConst<JsonNode?>("targets", "targets", "targets", "targets", "root")), Field(Gen.OneOfConst<JsonNode?>("1.0.0", "1.0.31", "1.0.0", "1.0.0", "2.0.0")),
                Field(Gen.Long[0, 9].Select(l => (JsonNode?)l)), Field(Gen.OneOfConst<JsonNode?>("2030-01-01T00:00:00Z", "2031-12-31T23:59:59Z", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2030-01-01", "tomorrow")),
                Field(Targets), Gen.Frequency((3, Gen.Const((false, (JsonNode?)null))), (2, Delegations.Select(d => (true, d)))), Gen.Int[0, 719])
            .Select(v =>
            {
                var (type, spec, version, expires, targets, delegations, order) = v;
                var fields = new List<(string, (bool Present, JsonNode? Value))>
                    { ("_type", type), ("spec_version", spec), ("version", version), ("expires", expires), ("targets", targets), ("delegations", delegations) };
                // One of the 720 orders of the six keys.
                var ordered = new List<(string, (bool Present, JsonNode? Value))>();
                for (int k = fields.Count; k > 0; k--) { ordered.Add(fields[order % k]); fields.RemoveAt(order % k); order /= k; }
                var signed = new JsonObject();
                foreach (var (key, field) in ordered)
                    if (field.Present) signed[key] = field.Value?.DeepClone();
                return signed;
            });

    /// <summary>The outcome of a parse: an error (type and message) or a description of everything read.</summary>
    private static string Outcome(Func<TargetsMetadata> parse)
    {
        try { return Describe(parse()); }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
    }

    private static string Describe(TargetsMetadata m)
    {
        var text = new StringBuilder($"ok {m.Header}\n");
        foreach (var (path, file) in m.Targets)
            text.Append($"{path}|{file.Length}|{string.Join(",", file.Hashes.Select(h => $"{h.Key}={h.Value}"))}|{file.Hashes.Count}|"
                        + $"{file.Hashes.ContainsKey("sha256")}|{file.Custom?.ToJsonString()}\n");
        if (m.Delegations is { } d)
        {
            foreach (var (id, key) in d.Keys) text.Append($"key {id} {key.KeyType} {key.Json.ToJsonString()}\n");
            foreach (var r in d.Roles)
                text.Append($"role {r.Name} {string.Join(",", r.Keys.KeyIds)} {r.Keys.Threshold} {r.Terminating} "
                            + $"{(r.Paths is null ? "-" : string.Join(",", r.Paths))} {(r.PathHashPrefixes is null ? "-" : string.Join(",", r.PathHashPrefixes))}\n");
        }
        return text.ToString();
    }

    private static string Dom(byte[] envelope)
        => Outcome(() => TargetsMetadata.FromSigned(SignedEnvelope.Parse(envelope, "role").Signed, "role"));

    private static string Streamed(byte[] envelope)
        => Outcome(() => TargetsReader.Read(ReceivedEnvelope.Parse(envelope, "role"), "role"));

    private static byte[] Envelope(JsonObject signed, bool canonical)
    {
        var envelope = new JsonObject
        {
            ["signatures"] = new JsonArray(new JsonObject { ["keyid"] = KeyId, ["sig"] = "00" }, new JsonObject { ["keyid"] = "22", ["sig"] = "ff" }),
            ["signed"] = signed.DeepClone(),
        };
        return canonical ? new SignedEnvelope(signed.DeepClone().AsObject(), [new(KeyId, "00"), new("22", "ff")]).ToBytes()
            : Encoding.UTF8.GetBytes(envelope.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    [Fact]
    public void Random_targets_documents_read_alike()
    {
        int accepted = 0;
        Gen.Select(Signed, Gen.Bool).Sample((signed, canonical) =>
        {
            var bytes = Envelope(signed, canonical);
            var dom = Dom(bytes);
            Assert.Equal(dom, Streamed(bytes));
            if (dom.StartsWith("ok ", StringComparison.Ordinal)) accepted++;
        }, iter: Cases, threads: 1);
        Assert.True(accepted > Cases / 50, $"too few documents accepted ({accepted}) to compare what is read");
    }

    [Fact]
    public void Mutated_targets_documents_read_alike()
    {
        int accepted = 0;
        Gen.Select(Signed, Gen.Bool, Mutations.Array[1, 3]).Sample((signed, canonical, mutations) =>
        {
            var bytes = mutations.Aggregate(Envelope(signed, canonical), Mutate);
            var dom = Dom(bytes);
            Assert.Equal(dom, Streamed(bytes));
            if (dom.StartsWith("ok ", StringComparison.Ordinal)) accepted++;
        }, iter: Cases, threads: 1);
        Assert.True(accepted > 0, "no mutated document was accepted");
    }

    [Fact]
    public void A_valid_role_reads_alike_and_keeps_custom_data_as_its_signed_bytes()
    {
        var signed = StrictJson.ParseCanonicalObject("""
            {"_type":"targets","spec_version":"1.0.0","version":3,"expires":"2030-01-01T00:00:00Z",
             "targets":{"p/a.stork":{"length":7,"hashes":{"sha256":"0a0b","sha512":"ABC"},"custom":{"stork":{"name":"a","version":"1.0.0"}}},
                        "p/b":{"hashes":{"sha256":"00"},"length":0}}}
            """u8, "test");
        var bytes = Envelope(signed, canonical: true);
        Assert.Equal(Dom(bytes), Streamed(bytes));
        var read = TargetsReader.Read(ReceivedEnvelope.Parse(bytes, "role"), "role");
        var a = read.Targets["p/a.stork"];
        Assert.Equal("""{"stork":{"name":"a","version":"1.0.0"}}""", Encoding.UTF8.GetString(a.CustomUtf8!.Value.Span));
        Assert.Equal(new[] { "sha256=0a0b", "sha512=ABC" }, a.Hashes.Select(h => $"{h.Key}={h.Value}"));
        Assert.Equal("0a0b", a.Sha256);
        Assert.Null(read.Targets["p/b"].Custom);
        Assert.Same(a.Custom, a.Custom);
    }

    [Fact]
    public void The_received_envelope_keeps_the_signed_bytes_and_signatures_as_received()
    {
        var bytes = """ { "signed" : {"b": 1, "a": "x"}, "signatures": [ {"sig": "00", "keyid": "k1", "other": 1} ] } """u8.ToArray();
        var envelope = ReceivedEnvelope.Parse(bytes, "test");
        Assert.Equal("""{"b": 1, "a": "x"}""", Encoding.UTF8.GetString(envelope.Signed));
        Assert.Equal("""{"a":"x","b":1}""", Encoding.UTF8.GetString(envelope.CanonicalSigned()));
        Assert.Equal(new[] { new Signature("k1", "00") }, envelope.Signatures);
        Assert.Equal(SignedEnvelope.Parse(bytes, "test").CanonicalSigned(), envelope.CanonicalSigned());
    }

    private static readonly string[] Snippets =
    [
        "1e400", "2.0", "-0", "12345678901234567890123456789", "\"\\ud800\"", "\"\\u0000\"", "null", "true", "[]", "{}", ",", ":", "\"", "\\",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\u00ff", "\"length\":-1,", "\"hashes\":{},", "\"custom\":1,", "\"targets\":[],", "\"x\":{\"length\":1},",
    ];

    private static readonly Gen<(int Kind, double At, int Byte, int Snippet, int Count)> Mutations =
        JsonByteMutations.Over(Snippets);

    private static byte[] Mutate(byte[] bytes, (int Kind, double At, int Byte, int Snippet, int Count) m)
        => JsonByteMutations.Apply(bytes, m, Snippets);
}
