using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Stork.Client.Packages;
using Stork.Format.Metadata;

namespace Stork.Client.Tests.Packages;

/// <summary>
/// The typed reader of a target's custom bytes (<see cref="PackageInfoReader"/>) against the DOM reader
/// (<see cref="PackageIndex.ReadEntry"/>) on random custom objects, each field valid, of another type or missing, in
/// any key order: the same entry (name, version, summary, Debian version, dependency header) or the same error.
/// </summary>
public sealed class PackageInfoReaderTests
{
    private static readonly Gen<JsonNode?> Wrong = Gen.OneOfConst<Func<JsonNode?>>(
        () => null, () => JsonValue.Create(1), () => JsonValue.Create(true), () => new JsonObject(), () => new JsonArray(JsonValue.Create(2))).Select(f => f());

    private static Gen<JsonNode?> Field(Gen<JsonNode?> valid) => Gen.Frequency((8, valid), (1, Wrong), (1, Gen.Const<JsonNode?>(new JsonArray())));

    private static readonly Gen<JsonNode?> Refs = Gen.OneOfConst("libc", "libc [1.0.0,)", "x (>= 2)", "", "y|z", "a 1.0.0").Array[0, 3]
        .Select(items => (JsonNode?)new JsonArray(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()));

    private static readonly Gen<JsonNode?> Depends = Gen.Frequency(
        (4, Refs.Array[0, 3].Select(clauses => (JsonNode?)new JsonArray(clauses.Select(c => c?.DeepClone()).ToArray()))),
        (1, Gen.Const<JsonNode?>(new JsonArray("not-a-clause"))));

    private static readonly Gen<(string Key, JsonNode? Value)[]> Fields =
        Gen.Select(Field(Gen.OneOfConst<JsonNode?>("a", "libc", "é")), Field(Gen.OneOfConst<JsonNode?>("1.0.0", "2.0.0-rc.1+b", "x")),
                Field(Gen.OneOfConst<JsonNode?>("a summary", "")), Field(Depends), Field(Refs), Field(Refs), Field(Gen.OneOfConst<JsonNode?>("1.2-3")))
            .Select(v => new (string, JsonNode?)[] { ("name", v.Item1), ("version", v.Item2), ("summary", v.Item3), ("depends", v.Item4),
                ("conflicts", v.Item5), ("provides", v.Item6), ("debianVersion", v.Item7) });

    private static string Describe(PackageEntry? e)
        => e is null ? "none" : $"{e.Candidate}|{e.Summary}|{e.DebianVersion}|{string.Join(";", e.Candidate.Depends.Select(c => string.Join("/", c)))}|"
                                + $"{string.Join(";", e.Candidate.Conflicts)}|{string.Join(";", e.Candidate.Provides)}|{string.Join(";", e.SignedProvides ?? [])}";

    private static string Outcome(Func<PackageEntry?> read)
    {
        try { return Describe(read()); }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
    }

    [Fact]
    public void Custom_bytes_read_as_the_parsed_object_does()
        => Gen.Select(Fields, Gen.Int[0, 5039], Gen.Int[0, 9]).Sample((fields, order, absent) =>
        {
            var list = fields.ToList();
            var info = new JsonObject();
            for (int k = list.Count; k > 0; k--)
            {
                var (key, value) = list[order % k];
                list.RemoveAt(order % k);
                order /= k;
                if (absent != k) info[key] = value?.DeepClone();
            }
            var custom = new JsonObject { ["other"] = 1, ["stork"] = info };
            var bytes = Encoding.UTF8.GetBytes(custom.ToJsonString());
            var target = TargetFile.WithCustomUtf8(1, new Dictionary<string, string> { ["sha256"] = "00" }, bytes);
            var dom = Outcome(() => PackageIndex.ReadEntry("p", target, JsonNode.Parse(bytes)!["stork"]!.AsObject(), "bin-0"));
            Assert.Equal(dom, Outcome(() => PackageInfoReader.Read("p", target, bytes, "bin-0")));
        }, iter: 2000);

    [Fact]
    public void Custom_data_without_a_stork_object_is_no_package()
    {
        var target = TargetFile.WithCustomUtf8(1, new Dictionary<string, string> { ["sha256"] = "00" }, null);
        Assert.Null(PackageInfoReader.Read("p", target, """{"stork":[1],"other":{"stork":{}}}"""u8, "bin-0"));
        Assert.Null(PackageInfoReader.Read("p", target, "{}"u8, "bin-0"));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => PackageInfoReader.Read("p", target, "{} x"u8, "bin-0"));
    }
}
