using System.Text;
using Stork.Resolver.Model;
using Stork.Resolver.Universe;
using Xunit;

namespace Stork.Resolver.Tests;

public sealed class UniverseReaderTests
{
    private static List<Candidate> Read(string text) => UniverseReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Reads_every_field_and_shares_repeated_references()
    {
        var universe = Read(
            """
            {"name":"mawk","version":"3.0.0","depends":[["libc6 [24.0.0,)"]],"provides":["awk"]}

            {"name":"gawk","version":"2.0.0-rc.1","depends":[["libc6 [24.0.0,)","musl"]],"conflicts":["mawk (,3.0.0)"],"provides":["awk 5.0.0"]}
            """);
        Assert.Equal(2, universe.Count);
        Assert.Equal("mawk 3.0.0", universe[0].ToString());
        Assert.Equal("awk", universe[0].Provides[0].ToString());
        Assert.Equal("gawk 2.0.0-rc.1", universe[1].ToString());
        Assert.Equal("libc6 [24.0.0, ) | musl", string.Join(" | ", universe[1].Depends[0]));
        Assert.Equal("mawk (, 3.0.0)", universe[1].Conflicts[0].ToString());
        Assert.Equal("awk 5.0.0", universe[1].Provides[0].ToString());
        Assert.Same(universe[0].Depends[0][0], universe[1].Depends[0][0]);
    }

    [Fact]
    public void Accepts_whitespace_escapes_and_key_order()
    {
        var universe = Read("{ \"version\" : \"1.0.0\", \"name\" : \"a\\u002db\", \"extra\": {\"x\": [1, 2]} }\r\n");
        Assert.Equal("a-b 1.0.0", universe.Single().ToString());
    }

    [Theory]
    [InlineData("{\"name\":\"a\",\"version\":\"1.0.0\"}\n{\"name\":\"b\"}\n", 2, "version")]
    [InlineData("{\"name\":\"a\",\"version\":\"one\"}", 1, "SemVer")]
    [InlineData("{\"name\":\"a\",\"version\":\"1.0.0\"}\n\nnot json\n", 3, "")]
    [InlineData("{\"name\":\"a\",\"version\":\"1.0.0\",\"depends\":[[\"b [x,)\"]]}", 1, "range")]
    [InlineData("{\"name\":\"a\",\"version\":\"1.0.0\",\"depends\":[[]]}", 1, "empty")]
    public void Invalid_lines_are_reported_with_their_number(string text, int line, string mention)
    {
        var error = Assert.Throws<UniverseFormatException>(() => Read(text));
        Assert.Equal(line, error.Line);
        Assert.Contains(mention, error.Message);
    }

    [Fact]
    public void Parallel_read_gives_the_same_list_and_line_numbers()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 30_000; i++)
            text.Append($"{{\"name\":\"p{i}\",\"version\":\"1.0.{i % 7}\",\"depends\":[[\"p{(i + 1) % 30_000} [1.0.0,)\"]]}}\n");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var sequential = UniverseReader.Read(new MemoryStream(bytes));
        var parallel = UniverseReader.ReadParallel(bytes, parts: 4);
        Assert.Equal(sequential.Select(c => c.ToString()), parallel.Select(c => c.ToString()));

        text.Append("{\"name\":\"broken\"}\n");
        var error = Assert.Throws<UniverseFormatException>(() => UniverseReader.ReadParallel(Encoding.UTF8.GetBytes(text.ToString()), parts: 4));
        Assert.Equal(30_001, error.Line);
    }
}
