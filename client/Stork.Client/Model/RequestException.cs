using Stork.Format.Errors;

namespace Stork.Client.Model;

/// <summary>The user asked for something the repository cannot provide (unknown package, unsolvable dependencies).</summary>
/// <param name="steps">The solver's explanation as steps (their texts are lines of the message), for --json.</param>
public sealed class RequestException(string message, IReadOnlyList<ErrorStep>? steps = null) : LocalException(message)
{
    public override IReadOnlyList<ErrorStep> Steps { get; } = steps ?? [];

    public override ErrorClass Class => ErrorClass.RequestCannotBeMet;
}
