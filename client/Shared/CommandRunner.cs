using System.CommandLine;
using Stork.Format.Errors;

namespace Stork.Cli;

/// <summary>
/// Shared by stork-get and stork-publish (linked into both projects): parses, runs, and maps every failure
/// to one "error:" line and its documented exit code.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        // Response files are off: "@GROUP" is a fleet member, and no command needs them.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run with --help for usage.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = StopGrace(parsed) });
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
                Console.Error.WriteLine($"error: {message}");
                return code;
            }
        };

    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, int> body)
        => Guarded((result, _) => Task.FromResult(body(result)));
}
