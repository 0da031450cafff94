using Stork.Client.Guests;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>A script's kept output: whole when it fits; else its start and its end, with a line saying how much was cut.</summary>
public sealed class CappedOutputTests
{
    [Fact]
    public void Output_that_fits_is_kept_whole()
    {
        var output = new CappedOutput(100);
        output.Add("one");
        output.Add("two");
        Assert.Equal("one\ntwo\n", output.ToString());
        Assert.Equal(0, output.CutChars);
    }

    [Fact]
    public void A_flood_keeps_the_first_and_the_last_lines_and_counts_what_was_cut()
    {
        var output = new CappedOutput(40);
        for (int i = 0; i < 100; i++) output.Add($"line {i:D2}"); // 8 characters a line with its newline
        var text = output.ToString();
        Assert.StartsWith("line 00\nline 01\n", text);
        Assert.EndsWith("line 98\nline 99\n", text);
        Assert.Contains("[stork-get: ", text);
        // 2 head lines (16 of 20 characters) and 2 tail lines kept of 100 lines of 8 characters.
        Assert.Equal(96 * 8, output.CutChars);
        Assert.Equal(100 * 8 - output.CutChars, text.Split('\n').Where(l => l.StartsWith("line", StringComparison.Ordinal)).Sum(l => l.Length + 1));
    }
}
