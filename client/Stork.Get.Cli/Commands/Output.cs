using System.Text.Json.Nodes;

namespace Stork.Get.Cli.Commands;

internal static class Output
{
    public static void Json(JsonNode node) => Console.WriteLine(node.ToJsonString());

    /// <summary>Human progress notes go to stderr so that stdout stays clean for --json.</summary>
    /// <summary>-q: notes are dropped, warnings and errors stay.</summary>
    public static void Note(string text)
    {
        if (Quiet && !text.StartsWith("warning:", StringComparison.Ordinal)) return;
        Console.Error.WriteLine(text);
    }

    /// <summary>Set from -q/--quiet and -v/--verbose before the command runs (see Program.cs).</summary>
    public static bool Quiet { get; set; }
    public static bool Verbose { get; set; }
}
