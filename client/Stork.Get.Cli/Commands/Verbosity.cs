using System.CommandLine;

namespace Stork.Get.Cli.Commands;

/// <summary>-v/-q, read once from the command line before parsing so that early notes and phase timings obey them.</summary>
internal static class Verbosity
{
    public static void Apply(string[] args)
    {
        Output.Quiet = args.Any(a => a is "-q" or "--quiet");
        Output.Verbose = args.Any(a => a is "-v" or "--verbose");
        // Phase timings read STORK_TIMINGS once, on first use: set it before anything measures.
        if (Output.Verbose) Environment.SetEnvironmentVariable("STORK_TIMINGS", "1");
    }

    public static bool Quiet(ParseResult result) => result.GetValue(GlobalOptions.Quiet);
}
