using Stork.Resolver.Model;

namespace Stork.Resolver;

public enum SolveOutcome { Solved, Unsolvable, TimedOut, Cancelled }

/// <summary>The solver's answer: the complete set of packages the target should have afterwards.</summary>
public sealed record SolveResult
{
    public required SolveOutcome Outcome { get; init; }

    /// <summary>Every package in the solution (installed ones that stay included), sorted by name.</summary>
    public IReadOnlyList<Candidate> Solution { get; init; } = [];

    /// <summary>For an unsolvable request: a short derivation in plain words, citing only metadata facts.</summary>
    public string? Explanation { get; init; }

    /// <summary>The same explanation as steps (one per line of <see cref="Explanation"/>), each with the fact it rests on.</summary>
    public IReadOnlyList<ExplanationStep> ExplanationSteps { get; init; } = [];

    public bool Solvable => Outcome == SolveOutcome.Solved;
}
