using Stork.Cli;
using System.CommandLine;
using Stork.Format.Debian;
using Stork.Format.Errors;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>stork-publish deb-version [VERSION...]</c>: the SemVer 2 version each Debian version maps to.</summary>
internal static class DebVersionCommand
{
    public static Command Create()
    {
        var versions = new Argument<string[]>("version") { Description = "Debian versions; read one per line from standard input when none are given", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("deb-version", "Print the SemVer 2 version each Debian version maps to (order-preserving; PACKAGE-FORMAT.md §8)") { versions };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var given = result.GetValue(versions) ?? [];
            var input = given.Length > 0 ? given : ReadStandardInput();
            var output = new System.Text.StringBuilder();
            var mapped = new System.Text.Json.Nodes.JsonArray();
            foreach (var text in input)
            {
                if (!DebianVersion.TryParse(text, out var version, out var problem))
                {
                    if (!PublishOutput.AsJson) Console.Out.Write(output.ToString());
                    CommandRunner.Report($"Debian version '{text}': {problem}", ExitCodes.Usage);
                    return ExitCodes.Usage;
                }
                var semver = DebianVersionMapping.ToSemVer(version!);
                output.Append(semver).Append('\n');
                mapped.Add((System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["debian"] = text, ["semver"] = semver.ToString() });
            }
            if (!PublishOutput.AsJson) Console.Out.Write(output.ToString());
            PublishOutput.Set("versions", mapped);
            return 0;
        }));
        return command;
    }

    static IEnumerable<string> ReadStandardInput()
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0) yield return trimmed;
        }
    }
}
