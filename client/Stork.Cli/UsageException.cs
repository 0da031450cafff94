using Stork.Format.Errors;

namespace Stork.Cli;

/// <summary>A command line the parser accepted but whose values make no sense (exit 2).</summary>
public sealed class UsageException(string message) : StorkException(message)
{
    public override ErrorClass Class => ErrorClass.Usage;
}
