using System.CommandLine;
using System.Text.Json.Nodes;

namespace Stork.Publish.Cli.Commands;

/// <summary>
/// stork-publish's output, in the same conventions as stork-get: lines for people on stdout; under --json one JSON
/// document on stdout and nothing else there (an error is the JSON error object, see CommandRunner); -q keeps only
/// warnings, errors and what was asked for (listings); -v adds the time the command took, on stderr.
/// </summary>
internal static class PublishOutput
{
    public static readonly Option<bool> Json = new("--json") { Recursive = true, Description = "Print one JSON document on stdout and nothing else there (an error too)" };
    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Recursive = true, Description = "Print only warnings, errors and what was asked for (listings): no summaries, no request log" };
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Recursive = true, Description = "Say more: the time the command took, on stderr" };

    public static IEnumerable<Option> All => [Json, Quiet, Verbose];

    public static bool AsJson { get; private set; }
    public static bool IsQuiet { get; private set; }
    public static bool IsVerbose { get; private set; }

    private static readonly JsonObject Document = [];
    private static bool _printed;

    /// <summary>Read once from the command line before parsing (as stork-get does), so that every line obeys it.</summary>
    public static void Apply(string[] args)
    {
        var end = Array.IndexOf(args, "--");
        var options = end < 0 ? args : args[..end];
        AsJson = options.Contains("--json");
        IsQuiet = options.Any(a => a is "-q" or "--quiet");
        IsVerbose = options.Any(a => a is "-v" or "--verbose");
    }

    /// <summary>A summary or progress line: not under --json or -q.</summary>
    public static void Say(string line)
    {
        if (!AsJson && !IsQuiet) Console.WriteLine(line);
    }

    /// <summary>What the command was asked to print (a listing): not under --json, printed under -q.</summary>
    public static void Data(string line)
    {
        if (!AsJson) Console.WriteLine(line);
    }

    /// <summary>One field of the command's JSON document.</summary>
    public static void Set(string key, JsonNode? value) => Document[key] = value;

    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    /// <summary>Prints the JSON document, once: after a command that succeeded, or one that reports findings with its exit code.</summary>
    public static void Flush()
    {
        if (!AsJson || _printed) return;
        _printed = true;
        Console.Out.WriteLine(Document.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
