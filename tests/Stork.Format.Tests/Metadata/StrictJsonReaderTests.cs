using Stork.Format.Errors;
using Stork.Format.Json;
using Stork.Format.Metadata;

namespace Stork.Format.Tests.Metadata;

/// <summary>Each way JSON from a mirror can be ambiguous or unsignable is a format error, never anything else.</summary>
public class StrictJsonReaderTests
{
    [Theory]
    [InlineData("""{"a":1,"a":2}""", "occurs twice")]
    [InlineData("""{"a":1,"\u0061":2}""", "occurs twice")]           // the same key, once escaped
    [InlineData("""{"a":"\ud800"}""", "not valid Unicode")]           // lone high surrogate
    [InlineData("""{"a":"\udc00x"}""", "not valid Unicode")]          // lone low surrogate
    [InlineData("""{"a":1e400}""", "not an integer")]
    [InlineData("""{"a":2.0}""", "not an integer")]
    [InlineData("""{"a":1E2}""", "not an integer")]
    [InlineData("""{"a":12345678901234567890123456789}""", "out of range")]
    [InlineData("""{"a":1,}""", "not valid JSON")]
    [InlineData("""{"a":1}{}""", "not valid JSON")]
    [InlineData("""{"a":1} x""", "not valid JSON")]
    [InlineData("""{"a":/*c*/1}""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("   ", "not valid JSON")]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("null", "null")]
    public void Refused(string json, string why)
    {
        var e = Assert.Throws<FormatException>(() => StrictJson.ParseCanonicalObject(System.Text.Encoding.UTF8.GetBytes(json), "doc"));
        Assert.Contains(why, e.Message);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xff, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xc3, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]        // truncated 2-byte sequence in a key
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xed, 0xa0, 0x80, (byte)'"', (byte)'}' })]   // UTF-8 encoded surrogate
    [InlineData(new byte[] { 0xef, 0xbb, 0xbf, (byte)'{', (byte)'}' })]   // byte-order mark
    public void Invalid_utf8_is_refused(byte[] bytes)
        => Assert.Throws<FormatException>(() => StrictJson.ParseCanonicalObject(bytes, "doc"));

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var json = new string('[', 100) + new string(']', 100);
        Assert.Throws<FormatException>(() => StrictJson.ParseCanonicalObject(System.Text.Encoding.UTF8.GetBytes("{\"a\":" + json + "}"), "doc"));
    }

    [Fact]
    public void Valid_json_reads_with_every_value_kind_and_round_trips_canonically()
    {
        var text = """{"b":[true,false,null,-5,9223372036854775807],"a":{"x":"\u00e9\ud83d\ude00\"\\"}}""";
        var json = StrictJson.ParseCanonicalObject(System.Text.Encoding.UTF8.GetBytes(text), "doc");
        Assert.Equal("""{"a":{"x":"é😀\"\\"},"b":[true,false,null,-5,9223372036854775807]}""", CanonicalJson.SerializeToString(json));
    }

    [Fact]
    public void Local_files_may_hold_finite_fractions_but_signed_metadata_may_not()
    {
        var bytes = """{"stall_seconds":2.5}"""u8.ToArray();
        Assert.Equal(2.5, StrictJson.ParseObject(bytes, "config")["stall_seconds"]!.GetValue<double>());
        Assert.Throws<FormatException>(() => StrictJson.ParseCanonicalObject(bytes, "metadata"));
        Assert.Throws<FormatException>(() => StrictJson.ParseObject("""{"a":1e400}"""u8.ToArray(), "config"));
    }

    [Theory]
    [InlineData("""{"signed":{"_type":"root","x":1.5},"signatures":[]}""")]
    [InlineData("""{"signed":{"_type":"root"},"signed":{"_type":"root"},"signatures":[]}""")]
    [InlineData("""{"signed":{"_type":7},"signatures":[]}""")]
    [InlineData("""{"signed":[],"signatures":[]}""")]
    [InlineData("""{"signed":{},"signatures":[{"keyid":1,"sig":""}]}""")]
    public void An_envelope_with_hostile_content_is_a_metadata_format_error(string json)
    {
        var e = Record.Exception(() =>
        {
            var envelope = SignedEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(json), "root");
            _ = envelope.Type;
            RootMetadata.FromSigned(envelope.Signed);
        });
        Assert.IsAssignableFrom<RepositoryException>(e);
    }
}
