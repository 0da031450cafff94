using Xunit;
using static Stork.Resolver.Tests.Scenario;

namespace Stork.Resolver.Tests;

/// <summary>Corners of the request model the client can hit.</summary>
public sealed class RequestEdgeCaseTests
{
    private static readonly Model.Candidate[] Universe =
        [P("app 1.0.0", depends: ["lib"]), P("lib 1.0.0"), P("lib 2.0.0")];

    [Fact]
    public void Empty_request_solves_to_nothing() =>
        Assert.Equal("Solved: ", Solve(Universe, new SolveRequest()));

    [Fact]
    public void Already_cancelled_token_returns_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var result = Solver.Solve(new InMemoryPackageProvider(Universe), new SolveRequest { Install = Items("app") }, cancel.Token);
        Assert.Equal(SolveOutcome.Cancelled, result.Outcome);
        Assert.Empty(result.Solution);
    }

    [Fact]
    public void Installed_package_the_provider_no_longer_has()
    {
        Assert.Equal(
            "Unsolvable:\ngone is installed and must stay, but no version of gone is available.",
            Solve(Universe, new SolveRequest { Installed = [Id("gone 1.0.0")] }));
        // Installed only as a dependency (not manual), it is simply dropped.
        Assert.Equal("Solved: app 1.0.0, lib 2.0.0",
            Solve(Universe, new SolveRequest { Install = Items("app"), Installed = [Id("gone 1.0.0"), Id("app 1.0.0")], ManuallyInstalled = ["app"] }));
    }

    [Fact]
    public void Upgrade_of_a_name_that_is_not_installed_changes_nothing() =>
        Assert.Equal("Solved: app 1.0.0, lib 1.0.0",
            Solve(Universe, new SolveRequest { Upgrade = ["zzz"], Installed = [Id("app 1.0.0"), Id("lib 1.0.0")] }));

    [Fact]
    public void Installing_and_removing_the_same_name_is_unsolvable() =>
        Assert.Equal(
            "Unsolvable:\nyou asked to remove lib, so lib 2.0.0 cannot be installed.\n" +
            "you asked to remove lib, so lib 1.0.0 cannot be installed.\n" +
            "but you asked for lib, so there is no solution.",
            Solve(Universe, new SolveRequest { Install = Items("lib"), Remove = ["lib"] }));

    [Fact]
    public void A_session_gives_the_same_answers_in_any_order()
    {
        var session = new SolverSession(new InMemoryPackageProvider(Universe));
        var first = Render(session.Solve(new SolveRequest { Install = Items("app") }));
        _ = session.Solve(new SolveRequest { Install = Items("lib (,2.0.0)") });
        Assert.Equal(first, Render(session.Solve(new SolveRequest { Install = Items("app") })));
        Assert.Equal(first, Solve(Universe.Reverse(), new SolveRequest { Install = Items("app") }));
    }
}
