using Stork.Format.Errors;

namespace Stork.Publish.Cli.Commands;

/// <summary>A command line that names nothing to work on (exit 2).</summary>
internal sealed class UsageException(string message) : StorkException(message)
{
    public override int ExitCode => ExitCodes.Usage;
}
