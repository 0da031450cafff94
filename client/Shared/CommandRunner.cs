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
        return await parsed.InvokeAsync();
    }

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
