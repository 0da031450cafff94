using NuGet.Versioning;
using Stork.Resolver.Model;
using Xunit;
using static Stork.Resolver.Tests.Scenario;

namespace Stork.Resolver.Tests;

/// <summary>Synthetic problems that propagation alone cannot settle: they need conflict-driven learning and backjumping.</summary>
public sealed class HardCaseTests
{
    /// <summary>Pigeons p1..pn each need a hole; hole h_j version k means "holds pigeon k", and a name has one version.</summary>
    private static (List<Candidate>, List<Reference>) PigeonholeProblem(int pigeons, int holes)
    {
        var universe = new List<Candidate>();
        for (int k = 1; k <= pigeons; k++)
        {
            var alternatives = Enumerable.Range(1, holes).Select(j => $"h{j} [{k}.0.0]");
            universe.Add(P($"pigeon{k} 1.0.0", depends: [string.Join(" | ", alternatives)]));
            for (int j = 1; j <= holes; j++) universe.Add(P($"h{j} {k}.0.0"));
        }
        return (universe, Enumerable.Range(1, pigeons).Select(k => Reference.Parse($"pigeon{k}")).ToList());
    }

    [Theory]
    [InlineData(5, 5, true)]
    [InlineData(7, 7, true)]
    [InlineData(6, 5, false)]
    [InlineData(7, 6, false)]
    public void Pigeonhole_needs_learning(int pigeons, int holes, bool solvable)
    {
        var (universe, install) = PigeonholeProblem(pigeons, holes);
        var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = install, TimeLimit = TimeSpan.FromSeconds(20) });
        Assert.Equal(solvable ? SolveOutcome.Solved : SolveOutcome.Unsolvable, result.Outcome);
        if (solvable) Assert.Empty(new SolutionChecker(universe).Violations(result.Solution, install));
        else Assert.Contains("so there is no solution", result.Explanation);
    }

    /// <summary>Fifty versions of lib; every version but the oldest drags in a helper that conflicts with a requested package.</summary>
    [Fact]
    public void Many_versions_only_the_oldest_fits()
    {
        var universe = new List<Candidate> { P("app 1.0.0", depends: ["lib"]), P("guard 1.0.0"), P("lib 1.0.0") };
        for (int k = 2; k <= 50; k++)
        {
            universe.Add(P($"lib {k}.0.0", depends: [$"helper [{k}.0.0]"]));
            universe.Add(P($"helper {k}.0.0", conflicts: ["guard"]));
        }
        var session = new SolverSession(new InMemoryPackageProvider(universe));
        var result = session.Solve(new SolveRequest { Install = Items("app", "guard") });
        Assert.Equal("Solved: app 1.0.0, guard 1.0.0, lib 1.0.0", Render(result));
        Assert.True(session.LastConflicts > 0, "the newest versions should have been tried and refuted");
    }

    /// <summary>Crossing conflicts: each x_i needs a_i or b_i, a_i conflicts with b_(i+1) and b_i with a_(i+1); the last must be b.</summary>
    [Fact]
    public void Crossing_conflicts_force_a_consistent_chain()
    {
        const int n = 30;
        var universe = new List<Candidate>();
        for (int i = 1; i <= n; i++)
        {
            universe.Add(P($"x{i:D2} 1.0.0", depends: [$"a{i:D2} | b{i:D2}"]));
            universe.Add(P($"a{i:D2} 1.0.0", conflicts: i < n ? [$"b{i + 1:D2}"] : ["tail"]));
            universe.Add(P($"b{i:D2} 1.0.0", conflicts: i < n ? [$"a{i + 1:D2}"] : []));
        }
        universe.Add(P("tail 1.0.0"));
        var install = Enumerable.Range(1, n).Select(i => Reference.Parse($"x{i:D2}")).Append(Reference.Parse("tail")).ToList();
        var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = install });
        Assert.True(result.Solvable);
        Assert.Empty(new SolutionChecker(universe).Violations(result.Solution, install));
        Assert.All(Enumerable.Range(1, n), i => Assert.Contains(result.Solution, c => c.Name == $"b{i:D2}"));
    }

    /// <summary>Random 3-SAT near the hardness threshold, encoded as packages: variable i is name v_i, version 2 true, 1 false.</summary>
    [Theory]
    [InlineData(16, 1)]
    [InlineData(16, 2)]
    [InlineData(16, 3)]
    [InlineData(16, 4)]
    [InlineData(18, 5)]
    [InlineData(18, 6)]
    public void Random_3sat_agrees_with_enumeration(int variables, int seed)
    {
        var (universe, install, formula) = RandomThreeSat(variables, seed);
        bool expected = false;
        for (int assignment = 0; assignment < 1 << variables && !expected; assignment++)
            expected = formula.All(clause => clause.Any(l => ((assignment >> l.Var) & 1) == 1 == l.Positive));

        var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = install, TimeLimit = TimeSpan.FromSeconds(20) });
        Assert.Equal(expected ? SolveOutcome.Solved : SolveOutcome.Unsolvable, result.Outcome);
        if (expected) Assert.Empty(new SolutionChecker(universe).Violations(result.Solution, install));
    }

    private static (List<Candidate>, List<Reference>, (int Var, bool Positive)[][]) RandomThreeSat(int variables, int seed)
    {
        var random = new Random(seed);
        int clauses = (int)(variables * 4.26);
        var formula = Enumerable.Range(0, clauses)
            .Select(_ => Enumerable.Range(0, 3).Select(_ => (Var: random.Next(variables), Positive: random.Next(2) == 0)).ToArray())
            .ToArray();
        var universe = new List<Candidate>();
        for (int v = 0; v < variables; v++) { universe.Add(P($"v{v:D3} 1.0.0")); universe.Add(P($"v{v:D3} 2.0.0")); }
        for (int c = 0; c < clauses; c++)
            universe.Add(P($"c{c:D4} 1.0.0", depends: [string.Join(" | ", formula[c].Select(l => $"v{l.Var:D3} [{(l.Positive ? 2 : 1)}.0.0]"))]));
        var install = Enumerable.Range(0, variables).Select(v => Reference.Parse($"v{v:D3}"))
            .Concat(Enumerable.Range(0, clauses).Select(c => Reference.Parse($"c{c:D4}"))).ToList();
        return (universe, install, formula);
    }

    [Fact]
    public void Time_limit_and_cancellation_stop_a_long_search()
    {
        var (universe, install, _) = RandomThreeSat(variables: 300, seed: 7);
        var provider = new InMemoryPackageProvider(universe);
        var timed = Solver.Solve(provider, new SolveRequest { Install = install, TimeLimit = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(SolveOutcome.TimedOut, timed.Outcome);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var cancelled = Solver.Solve(provider, new SolveRequest { Install = install }, cancel.Token);
        Assert.Equal(SolveOutcome.Cancelled, cancelled.Outcome);
    }

    [Fact]
    public void Time_limit_is_measured_on_the_injected_clock_not_the_system_one()
    {
        var (universe, install, _) = RandomThreeSat(variables: 300, seed: 7);
        var provider = new InMemoryPackageProvider(universe);
        // A clock whose timers fire at once: even an hour's limit is over before the search starts.
        var expired = new SolverSession(provider, new InstantTimeProvider())
            .Solve(new SolveRequest { Install = install, TimeLimit = TimeSpan.FromHours(1) });
        Assert.Equal(SolveOutcome.TimedOut, expired.Outcome);
    }

    /// <summary>A clock on which every timer is due as soon as it is created.</summary>
    private sealed class InstantTimeProvider : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan) callback(state);
            return new NoTimer();
        }

        private sealed class NoTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
