using Stork.Resolver.Model;
using Stork.Resolver.Search;

namespace Stork.Resolver;

/// <summary>
/// Solves many requests against one unchanging provider, reusing what earlier solves learned about the
/// universe (name lookups, matched references, compiled rules). Not thread-safe: one solve at a time.
/// The solver never reads the clock itself: a request's time limit becomes a cancellation on
/// <paramref name="time"/> (the system clock unless a test supplies another).
/// </summary>
public sealed class SolverSession(IPackageProvider provider, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly CdclEngine _engine = new(new PackagePool(provider));

    /// <summary>Conflicts met by the last solve (a measure of how much backtracking it needed).</summary>
    public int LastConflicts => _engine.Conflicts;

    /// <summary>Search statistics of the last solve, for diagnostics.</summary>
    public string LastStatistics => $"decisions {_engine.Decisions}, conflicts {_engine.Conflicts}";

    /// <summary>
    /// Indexes the given names up front (their candidates, matched references and rules), so that later solves
    /// only search. Optional: without it the same work happens lazily during the first solves.
    /// </summary>
    public void Prepare(IEnumerable<string> names)
    {
        foreach (var name in names)
            foreach (var v in _engine.Pool.Name(name).Vars)
                _engine.Pool.Rules(v);
    }

    public SolveResult Solve(SolveRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellation.IsCancellationRequested) return new SolveResult { Outcome = SolveOutcome.Cancelled };

        using var timeLimit = request.TimeLimit is { } limit ? new CancellationTokenSource(limit, _time) : null;
        using var stop = timeLimit is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeLimit.Token);
        var policy = new RequestPolicy(request);
        var status = _engine.Run(request, policy, stop?.Token ?? cancellation);
        if (status == SearchStatus.Cancelled && timeLimit is { IsCancellationRequested: true } && !cancellation.IsCancellationRequested)
            status = SearchStatus.TimedOut;
        return status switch
        {
            SearchStatus.Solved => new SolveResult
            {
                Outcome = SolveOutcome.Solved,
                Solution = SortedSolution(),
            },
            SearchStatus.Unsolvable => Unsolvable(new ExplanationWriter(_engine, request, policy).Steps()),
            SearchStatus.TimedOut => new SolveResult { Outcome = SolveOutcome.TimedOut },
            _ => new SolveResult { Outcome = SolveOutcome.Cancelled },
        };
    }

    private static SolveResult Unsolvable(IReadOnlyList<ExplanationStep> steps) => new()
    {
        Outcome = SolveOutcome.Unsolvable,
        Explanation = ExplanationWriter.Text(steps),
        ExplanationSteps = steps,
    };

    private List<Candidate> SortedSolution()
    {
        var pool = _engine.Pool;
        var needed = _engine.NeededVars();
        needed.Sort(pool.CompareByNameThenVersion);
        var solution = new List<Candidate>(needed.Count);
        foreach (var v in needed) solution.Add(pool.CandidateOf(v));
        return solution;
    }
}
