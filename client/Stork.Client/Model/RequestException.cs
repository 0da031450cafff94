using Stork.Format.Errors;

namespace Stork.Client.Model;

/// <summary>The user asked for something the repository cannot provide (unknown package, unsolvable dependencies).</summary>
public sealed class RequestException(string message) : LocalException(message)
{
    public override ErrorClass Class => ErrorClass.RequestCannotBeMet;
}
