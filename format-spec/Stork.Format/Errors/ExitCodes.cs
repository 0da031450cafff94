namespace Stork.Format.Errors;

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
}
