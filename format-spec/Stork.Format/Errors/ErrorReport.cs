namespace Stork.Format.Errors;

/// <summary>Turns any failure into the one-line message and documented exit code the CLIs print.</summary>
public static class ErrorReport
{
    public static (string Message, int ExitCode) Describe(Exception error) => error switch
    {
        StorkException s => (s.Message, s.ExitCode),
        UnauthorizedAccessException u => ($"permission denied: {u.Message}", ExitCodes.LocalState),
        IOException io => ($"I/O error: {io.Message}", ExitCodes.LocalState),
        OperationCanceledException => ("cancelled", ExitCodes.Internal),
        _ => ($"internal error ({error.GetType().Name}): {error.Message}", ExitCodes.Internal),
    };
}
