using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Json;

namespace Stork.Format.Tests.Metadata;

public class CanonicalJsonTests
{
    [Fact]
    public void Vector_matches_the_independent_python_output_byte_for_byte()
    {
        var input = JsonNode.Parse(File.ReadAllBytes(RepoRoot.File("format-spec", "vectors", "canonical-json", "input.json")));
        var expected = File.ReadAllBytes(RepoRoot.File("format-spec", "vectors", "canonical-json", "expected.canonical"));
        var actual = CanonicalJson.Serialize(input);
        Assert.Equal(expected, actual);
        Assert.Equal(File.ReadAllText(RepoRoot.File("format-spec", "vectors", "canonical-json", "expected.sha256")).Trim(), Hashing.Sha256Hex(actual));
    }

    [Fact]
    public void Keys_sort_by_code_point_not_by_utf16_unit()
    {
        // U+FF21 (fullwidth A) is one UTF-16 unit above the surrogates; U+1F426 needs a surrogate pair but is the larger code point.
        var json = new JsonObject { ["\U0001F426"] = 1, ["\uFF21"] = 2 };
        Assert.Equal("{\"\uFF21\":2,\"\U0001F426\":1}", CanonicalJson.SerializeToString(json));
    }

    [Fact]
    public void Floats_are_refused()
    {
        var json = JsonNode.Parse("{\"a\":1.5}");
        Assert.Throws<FormatException>(() => CanonicalJson.Serialize(json));
    }

    [Fact]
    public void Only_quote_and_backslash_are_escaped()
    {
        var json = new JsonObject { ["k"] = "a\"b\\c\nd<>&" };
        Assert.Equal("{\"k\":\"a\\\"b\\\\c\nd<>&\"}", CanonicalJson.SerializeToString(json));
    }
}
