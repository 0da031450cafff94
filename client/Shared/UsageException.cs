using Stork.Format.Errors;

namespace Stork.Cli;

/// <summary>The command line itself is wrong (exit 2): a glob matching nothing, a missing choice of targets.</summary>
internal sealed class UsageException(string message) : StorkException(message)
{
    public override int ExitCode => ExitCodes.Usage;
}
