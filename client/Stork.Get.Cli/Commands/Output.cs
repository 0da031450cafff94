using System.Text.Json.Nodes;

namespace Stork.Get.Cli.Commands;

internal static class Output
{
    public static void Json(JsonNode node) => Console.WriteLine(node.ToJsonString());

    /// <summary>Human progress notes go to stderr so that stdout stays clean for --json.</summary>
    public static void Note(string text) => Console.Error.WriteLine(text);
}
