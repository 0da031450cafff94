using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Format.Text;

namespace Stork.Cli;

/// <summary>
/// Shared by stork-get and stork-publish (the Stork.Cli library): parses, runs, and maps every failure
/// to one "error:" line and its documented exit code. Under --json the error is instead one JSON object on
/// stdout: {"error": {"code": N, "kind": "...", "message": "..."}}, with the same exit code; an error whose message is
/// an explanation (an unsolvable request) adds "explanation": [{"fact": "...", "text": "..."}], one per line.
/// </summary>
public static class CommandRunner
{
    /// <summary>--json was given: errors go to stdout as JSON.</summary>
    public static bool JsonErrors { get; private set; }

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var end = Array.IndexOf(args, "--");
        JsonErrors = (end < 0 ? args : args[..end]).Contains("--json");
        // Response files are off: "@GROUP" is a fleet member, and no command needs them.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (UsageProblem(parsed) is { } problem)
        {
            Report(problem, ExitCodes.Usage);
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = StopGrace(parsed) });
    }

    /// <summary>
    /// The first thing wrong with the command line, as one sentence with a "did you mean" where a known name is close:
    /// an unknown command, an unknown option anywhere on the line (also after the arguments: "install -g g1 jq -y"),
    /// or System.CommandLine's own first error.
    /// </summary>
    private static string? UsageProblem(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        bool afterDoubleDash = false;
        foreach (var token in parsed.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) { afterDoubleDash = true; continue; }
            if (afterDoubleDash || token.Type != TokenType.Argument) continue;
            if (token.Value.Length > 1 && token.Value[0] == '-' && !double.TryParse(token.Value, out _) && !IsOptionValue(parsed, token))
                return $"unknown option '{token.Value}' for '{CommandPath(command)}'{Suggest.DidYouMean(token.Value, OptionNames(command, parsed))}";
        }
        foreach (var token in parsed.UnmatchedTokens)
        {
            if (token.StartsWith('-')) return $"unknown option '{token}' for '{CommandPath(command)}'{Suggest.DidYouMean(token, OptionNames(command, parsed))}";
            if (command.Subcommands.Count > 0)
                return $"'{token}' is not a {CommandPath(command)} command{Suggest.DidYouMean(token, command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)))} (see {CommandPath(command)} --help)";
            return $"unexpected argument '{token}' for '{CommandPath(command)}' (see {CommandPath(command)} --help)";
        }
        if (parsed.Errors.Count == 0) return null;
        var message = parsed.Errors[0].Message.TrimEnd('.');
        return command.Subcommands.Count > 0 && command.Action is null
            ? $"name a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (see {CommandPath(command)} --help)"
            : $"{message} (see {CommandPath(command)} --help)";
    }

    /// <summary>A token taken as the value of an option (e.g. "--interval -1") is not an unknown option.</summary>
    private static bool IsOptionValue(ParseResult parsed, Token token)
        => parsed.CommandResult.Children.OfType<OptionResult>().Any(o => o.Tokens.Contains(token))
           || parsed.RootCommandResult.Children.OfType<OptionResult>().Any(o => o.Tokens.Contains(token));

    private static IEnumerable<string> OptionNames(Command command, ParseResult parsed)
    {
        var names = new List<string>();
        for (CommandResult? c = parsed.CommandResult; c is not null; c = c.Parent as CommandResult)
            foreach (var option in c.Command.Options.Where(o => c.Command == command || o.Recursive))
                names.AddRange(option.Aliases.Prepend(option.Name));
        return names;
    }

    private static string CommandPath(Command command)
    {
        var parts = new List<string>();
        for (var c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault()) parts.Insert(0, c.Name);
        return string.Join(' ', parts);
    }

    public static string KindOf(int code) => code switch
    {
        ExitCodes.Usage => "usage",
        ExitCodes.UntrustedRepository => "untrusted-repository",
        ExitCodes.Network => "network",
        ExitCodes.RequestCannotBeMet => "request",
        ExitCodes.Guest => "guest",
        ExitCodes.LocalState => "local",
        _ => "internal",
    };

    /// <summary>One "error:" line on stderr, or the JSON error object on stdout under --json.</summary>
    public static void Report(string message, int code, IReadOnlyList<ErrorStep>? steps = null)
    {
        if (JsonErrors)
        {
            var error = new JsonObject { ["code"] = code, ["kind"] = KindOf(code), ["message"] = message };
            if (steps is { Count: > 0 })
                error["explanation"] = new JsonArray(steps.Select(s => (JsonNode)new JsonObject { ["fact"] = s.Fact, ["text"] = s.Text }).ToArray());
            Console.Out.WriteLine(new JsonObject
            {
                ["error"] = error,
            }.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return;
        }
        // Multi-line explanations (an unsatisfiable request) keep their lines, indented under the one error line.
        Console.Error.WriteLine($"error: {message}");
    }

    /// <summary>
    /// How long a command may take to stop after SIGTERM/SIGINT before the process exits with 128+signal anyway.
    /// `stork-get agent` (and `apply --watch`) finishes or undoes the change in flight and exits 0: it gets 50 s,
    /// inside systemd's TimeoutStopSec=60s of stork-agent.service; other commands keep the usual 2 s.
    /// </summary>
    private static TimeSpan StopGrace(ParseResult parsed)
        => parsed.CommandResult.Command.Name == "agent" || (parsed.CommandResult.Command.Name == "apply" && parsed.Tokens.Any(t => t.Value == "--watch"))
            ? TimeSpan.FromSeconds(50)
            : TimeSpan.FromSeconds(2);

    /// <summary>Wraps a command body so that errors print cleanly instead of as stack traces.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, CancellationToken, Task<int>> body)
        => async (result, cancellation) =>
        {
            try
            {
                return await body(result, cancellation);
            }
            catch (Exception e)
            {
                var (message, code) = ErrorReport.Describe(e);
                Report(message, code, (e as StorkException)?.Steps);
                return code;
            }
        };

    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, int> body)
        => Guarded((result, _) => Task.FromResult(body(result)));
}
