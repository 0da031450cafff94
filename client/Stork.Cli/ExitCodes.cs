using Stork.Format.Errors;

namespace Stork.Cli;

/// <summary>Documented process exit codes. README.md lists them; keep the two in step.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Internal = 1;
    public const int Usage = 2;
    public const int UntrustedRepository = 3;
    public const int Network = 4;
    public const int RequestCannotBeMet = 5;
    public const int Guest = 6;
    public const int LocalState = 7;

    /// <summary>The exit code of an error class.</summary>
    public static int Of(ErrorClass errorClass) => errorClass switch
    {
        ErrorClass.Usage => Usage,
        ErrorClass.UntrustedRepository => UntrustedRepository,
        ErrorClass.Network => Network,
        ErrorClass.RequestCannotBeMet => RequestCannotBeMet,
        ErrorClass.Guest => Guest,
        ErrorClass.LocalState => LocalState,
        _ => Internal,
    };
}
