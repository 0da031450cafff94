namespace Stork.Format.Errors;

/// <summary>
/// What kind of failure an error is, which decides what an operator does next (another mirror, another request, fix
/// the guest, fix the host). The CLIs turn a class into their documented exit code (Stork.Cli's ExitCodes); the
/// libraries speak only classes.
/// </summary>
public enum ErrorClass
{
    /// <summary>A bug (or a cancelled run): nothing the user did.</summary>
    Internal,
    /// <summary>A command line whose values make no sense.</summary>
    Usage,
    /// <summary>Bytes from a mirror that must not be trusted: bad signature, hash, malformed data.</summary>
    UntrustedRepository,
    /// <summary>A mirror that is unreachable, stalled or answers with an HTTP error.</summary>
    Network,
    /// <summary>A request the repository cannot meet (unknown package, unsolvable dependencies).</summary>
    RequestCannotBeMet,
    /// <summary>A problem with a guest.</summary>
    Guest,
    /// <summary>Configuration, host state, I/O or permissions on this host.</summary>
    LocalState,
}
