using Xunit;
using static Stork.Resolver.Tests.Scenario;

namespace Stork.Resolver.Tests;

/// <summary>Exact solutions and explanations for small scenarios; a change in wording or choice must be deliberate.</summary>
public sealed class SnapshotTests
{
    /// <summary>Asserts equality; on a mismatch also records the actual text under the temp directory for review.</summary>
    private static void Snapshot(string expected, string actual, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        if (expected != actual)
            File.AppendAllText(Path.Combine(Path.GetTempPath(), "stork-resolver-snapshots.txt"), $"== {test}\n{actual}\n");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Missing_package()
    {
        var universe = new[] { P("web 1.0.0") };
        Assert.Equal(
            "Unsolvable:\nyou asked for nosuch, but no package named nosuch exists.",
            Solve(universe, new SolveRequest { Install = Items("nosuch") }));
    }

    [Fact]
    public void Install_item_names_a_virtual_package()
    {
        var universe = new[] { P("mawk 1.0.0", provides: ["awk"]), P("gawk 2.0.0", provides: ["awk 5.0.0"]) };
        Snapshot(
            "Unsolvable:\nyou asked for awk, but no package is named awk; it is only provided by gawk, mawk, " +
            "and an install item needs a package's own name.",
            Solve(universe, new SolveRequest { Install = Items("awk") }));
    }

    [Fact]
    public void Missing_dependency()
    {
        var universe = new[] { P("web 1.0.0", depends: ["libfoo [2.0.0,)"]), P("libfoo 1.0.0") };
        Snapshot(
            "Unsolvable:\n" +
            "you asked for web, so web 1.0.0 must be installed.\n" +
            "but web 1.0.0 needs libfoo [2.0.0, ), which no available package matches, so there is no solution.",
            Solve(universe, new SolveRequest { Install = Items("web") }));
    }

    [Fact]
    public void Version_conflict_between_two_requests()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["lib [2.0.0,)"]),
            P("tool 1.0.0", depends: ["lib (,2.0.0)"]),
            P("lib 1.0.0"), P("lib 2.0.0"),
        };
        Snapshot(
            "Unsolvable:\n" +
            "you asked for app, so app 1.0.0 must be installed.\n" +
            "you asked for tool, so tool 1.0.0 must be installed.\n" +
            "app 1.0.0 needs lib [2.0.0, ), so lib 2.0.0 must be installed.\n" +
            "tool 1.0.0 needs lib (, 2.0.0), so lib 1.0.0 must be installed.\n" +
            "but only one version of lib can be installed, so there is no solution.",
            Solve(universe, new SolveRequest { Install = Items("app", "tool") }));
    }

    [Fact]
    public void Conflict_through_a_provided_name()
    {
        var universe = new[]
        {
            P("web 2.0.0", depends: ["libssl [3.0.0,)"]),
            P("libssl 3.0.0", conflicts: ["tls-api"]),
            P("legacy-tls 1.0.0", provides: ["tls-api"]),
        };
        Snapshot(
            "Unsolvable:\n" +
            "you asked for web, so web 2.0.0 must be installed.\n" +
            "you asked for legacy-tls, so legacy-tls 1.0.0 must be installed.\n" +
            "web 2.0.0 needs libssl [3.0.0, ), so libssl 3.0.0 must be installed.\n" +
            "but libssl 3.0.0 conflicts with tls-api (provided by legacy-tls 1.0.0), so there is no solution.",
            Solve(universe, new SolveRequest { Install = Items("web", "legacy-tls") }));
    }

    [Fact]
    public void Diamond_picks_the_newest_version_both_sides_accept()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["left", "right"]),
            P("left 1.0.0", depends: ["base [1.0.0,)"]),
            P("right 1.0.0", depends: ["base (,3.0.0)"]),
            P("base 1.0.0"), P("base 2.0.0"), P("base 3.0.0"),
        };
        Snapshot(
            "Solved: app 1.0.0, base 2.0.0, left 1.0.0, right 1.0.0",
            Solve(universe, new SolveRequest { Install = Items("app") }));
    }

    [Fact]
    public void Alternatives_fall_back_when_the_first_cannot_be_installed()
    {
        var universe = new[]
        {
            P("mailer 1.0.0", depends: ["exim | postfix"]),
            P("exim 1.0.0", depends: ["libgone"]),
            P("postfix 1.0.0", provides: ["mail-transport-agent"]),
        };
        Snapshot(
            "Solved: mailer 1.0.0, postfix 1.0.0",
            Solve(universe, new SolveRequest { Install = Items("mailer") }));
    }

    [Fact]
    public void Lock_holds_a_version_and_the_rest_adapts()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["lib [1.0.0,)"]),
            P("app 2.0.0", depends: ["lib [2.0.0,)"]),
            P("lib 1.0.0"), P("lib 2.0.0"),
        };
        Snapshot(
            "Solved: app 1.0.0, lib 1.0.0",
            Solve(universe, new SolveRequest
            {
                Install = Items("app"),
                Installed = [Id("lib 1.0.0")],
                Locks = [Id("lib 1.0.0")],
            }));
    }

    [Fact]
    public void Lock_that_cannot_hold()
    {
        var universe = new[] { P("app 2.0.0", depends: ["lib [2.0.0,)"]), P("lib 1.0.0"), P("lib 2.0.0") };
        Snapshot(
            "Unsolvable:\n" +
            "lib is locked to 1.0.0, so lib 2.0.0 cannot be installed.\n" +
            "you asked for app, so app 2.0.0 must be installed.\n" +
            "but app 2.0.0 needs lib [2.0.0, ), so there is no solution.",
            Solve(universe, new SolveRequest
            {
                Install = Items("app"),
                Installed = [Id("lib 1.0.0")],
                Locks = [Id("lib 1.0.0")],
            }));
    }

    [Fact]
    public void Prerelease_only_when_asked_for()
    {
        var universe = new[] { P("tool 1.0.0"), P("tool 2.0.0-beta.1"), P("cli 1.0.0", depends: ["tool [1.0.0,)"]) };
        Snapshot(
            "Solved: cli 1.0.0, tool 1.0.0",
            Solve(universe, new SolveRequest { Install = Items("cli") }));
        Snapshot("Solved: cli 1.0.0, tool 2.0.0-beta.1", Solve(universe, new SolveRequest { Install = Items("cli", "tool [2.0.0-beta.1,)") }));
        Snapshot(
            "Unsolvable:\n" +
            "tool 2.0.0-beta.1 is a prerelease and no request names a prerelease of tool, so it cannot be installed.\n" +
            "but you asked for tool, so there is no solution.",
            Solve(new[] { P("tool 2.0.0-beta.1") }, new SolveRequest { Install = Items("tool") }));
    }

    [Fact]
    public void Remove_drops_orphaned_dependencies()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["lib"]), P("lib 1.0.0", depends: ["base"]), P("base 1.0.0"),
            P("editor 1.0.0", depends: ["base"]),
        };
        Snapshot(
            "Solved: base 1.0.0, editor 1.0.0",
            Solve(universe, new SolveRequest
            {
                Remove = ["app"],
                Installed = [Id("app 1.0.0"), Id("lib 1.0.0"), Id("base 1.0.0"), Id("editor 1.0.0")],
                ManuallyInstalled = ["app", "editor"],
            }));
    }

    [Fact]
    public void Remove_of_something_a_kept_package_needs()
    {
        var universe = new[] { P("app 1.0.0", depends: ["lib"]), P("lib 1.0.0") };
        Snapshot(
            "Unsolvable:\n" +
            "you asked to remove lib, so lib 1.0.0 cannot be installed.\n" +
            "app is installed and must stay, so app 1.0.0 must be installed.\n" +
            "but app 1.0.0 needs lib, so there is no solution.",
            Solve(universe, new SolveRequest
            {
                Remove = ["lib"],
                Installed = [Id("app 1.0.0"), Id("lib 1.0.0")],
            }));
    }

    [Fact]
    public void Install_keeps_installed_versions_and_upgrade_moves_them()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["lib [1.0.0,)"]), P("app 2.0.0", depends: ["lib [2.0.0,)"]),
            P("lib 1.0.0"), P("lib 2.0.0"), P("tool 1.0.0", depends: ["lib"]),
        };
        var installed = new[] { Id("app 1.0.0"), Id("lib 1.0.0") };
        Snapshot(
            "Solved: app 1.0.0, lib 1.0.0, tool 1.0.0",
            Solve(universe, new SolveRequest { Install = Items("tool"), Installed = installed, ManuallyInstalled = ["app"] }));
        Snapshot("Solved: app 2.0.0, lib 2.0.0", Solve(universe, new SolveRequest { Upgrade = ["app"], Installed = installed, ManuallyInstalled = ["app"] }));
        Snapshot("Solved: app 2.0.0, lib 2.0.0", Solve(universe, new SolveRequest { UpgradeAll = true, Installed = installed, ManuallyInstalled = ["app"] }));
    }
}

/// <summary>The explanation's steps (what --json carries): one per line of the text, each naming the fact it rests on.</summary>
public sealed class ExplanationStepTests
{
    [Fact]
    public void Steps_are_the_lines_of_the_explanation_with_their_facts()
    {
        var universe = new[]
        {
            P("app 1.0.0", depends: ["lib [2.0.0,)"]),
            P("tool 1.0.0", depends: ["lib (,2.0.0)"]),
            P("lib 1.0.0"), P("lib 2.0.0"),
        };
        var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = Items("app", "tool") });
        Assert.Equal(SolveOutcome.Unsolvable, result.Outcome);
        Assert.Equal(result.Explanation, string.Join("\n", result.ExplanationSteps.Select(s => s.Text)));
        Assert.Equal(["request", "request", "depends", "depends", "conclusion"], result.ExplanationSteps.Select(s => s.FactName));
        Assert.Equal("but only one version of lib can be installed, so there is no solution.", result.ExplanationSteps[^1].Text);
    }

    [Fact]
    public void A_request_for_a_missing_package_is_one_request_step()
    {
        var result = Solver.Solve(new InMemoryPackageProvider([P("web 1.0.0")]), new SolveRequest { Install = Items("nosuch") });
        var step = Assert.Single(result.ExplanationSteps);
        Assert.Equal(ExplanationFact.Request, step.Fact);
        Assert.Equal("you asked for nosuch, but no package named nosuch exists.", step.Text);
    }

    [Fact]
    public void A_removal_step_says_removed()
    {
        var universe = new[] { P("app 1.0.0", depends: ["lib"]), P("lib 1.0.0") };
        var result = Solver.Solve(new InMemoryPackageProvider(universe), new SolveRequest { Install = Items("app"), Remove = ["lib"] });
        Assert.Equal(SolveOutcome.Unsolvable, result.Outcome);
        Assert.Contains(result.ExplanationSteps, s => s.Fact == ExplanationFact.Removed && s.Text.StartsWith("you asked to remove lib", StringComparison.Ordinal));
        Assert.Equal(ExplanationFact.Conclusion, result.ExplanationSteps[^1].Fact);
    }
}
