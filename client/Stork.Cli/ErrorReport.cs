using Stork.Format.Errors;

namespace Stork.Cli;

/// <summary>Turns any failure into the one-line message and documented exit code the CLIs print.</summary>
public static class ErrorReport
{
    public static (string Message, int ExitCode) Describe(Exception error)
    {
        var (message, errorClass) = Failure.Describe(error);
        return (message, ExitCodes.Of(errorClass));
    }
}
