using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using static Stork.Format.Tests.Trust.HandMadeRepository;

namespace Stork.Format.Tests.Trust;

/// <summary>
/// Role "release" is delegated by both "team-a" (for team-a/*) and "team-b" (for team-b/*), each with its own key
/// for it. Only team-a's key signs "release", which lists a file under each team. TUF §5.6.7: the walk for
/// team-b/... passes team-b and must verify "release" with team-b's key, so that file is never trusted.
/// </summary>
public sealed class DiamondDelegationTests : IDisposable
{
    private readonly HandMadeRepository _repo = new();
    private readonly SigningKey _a, _b, _releaseViaA, _releaseViaB;

    public DiamondDelegationTests()
    {
        _a = _repo.NewKey(); _b = _repo.NewKey(); _releaseViaA = _repo.NewKey(); _releaseViaB = _repo.NewKey();
    }

    private void Write(params SigningKey[] releaseSigners)
    {
        _repo.Role(RoleNames.Targets, null, DelegationsOf(
            (Delegation("team-a", [_a], paths: ["team-a/*"]), [_a]),
            (Delegation("team-b", [_b], paths: ["team-b/*"]), [_b])));
        _repo.Role("team-a", null, DelegationsOf((Delegation("release", [_releaseViaA], paths: ["team-a/*"]), [_releaseViaA])), _a);
        _repo.Role("team-b", null, DelegationsOf((Delegation("release", [_releaseViaB], paths: ["team-b/*"]), [_releaseViaB])), _b);
        _repo.Role("release", new Dictionary<string, TargetFile>
        {
            ["team-a/tool"] = Target("trusted A"),
            ["team-b/tool"] = Target("malicious B"),
        }, null, releaseSigners);
    }

    private TrustedMetadata LoadEveryEdge(bool releaseViaBFirst)
    {
        var t = _repo.LoadTopLevel();
        t.UpdateDelegatedTargets(_repo.Files["team-a"], "team-a", RoleNames.Targets);
        t.UpdateDelegatedTargets(_repo.Files["team-b"], "team-b", RoleNames.Targets);
        if (releaseViaBFirst)
        {
            Assert.Throws<UnsignedMetadataException>(() => t.UpdateDelegatedTargets(_repo.Files["release"], "release", "team-b"));
            t.UpdateDelegatedTargets(_repo.Files["release"], "release", "team-a");
        }
        else
        {
            t.UpdateDelegatedTargets(_repo.Files["release"], "release", "team-a");
            Assert.Throws<UnsignedMetadataException>(() => t.TryTrustVerifiedCopy("release", "team-b"));
        }
        return t;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_role_is_trusted_only_through_the_delegator_whose_keys_signed_it(bool releaseViaBFirst)
    {
        Write(_releaseViaA);
        var t = LoadEveryEdge(releaseViaBFirst);
        Assert.NotNull(t.TargetsOf("release", "team-a"));
        Assert.Null(t.TargetsOf("release", "team-b"));

        var good = TargetSearch.Find(t.TargetsOf, "team-a/tool");
        Assert.Equal("release", good?.Role);
        Assert.Null(TargetSearch.Find(t.TargetsOf, "team-b/tool"));
        // The package index walks per path as well: only the walk-correct entry is in it.
        Assert.Equal(["team-a/tool"], TargetSearch.AllTrusted(t).Select(f => f.Path));
    }

    [Fact]
    public void Signed_for_both_delegators_the_role_serves_both_paths()
    {
        Write(_releaseViaA, _releaseViaB);
        var t = _repo.LoadTopLevel();
        t.UpdateDelegatedTargets(_repo.Files["team-a"], "team-a", RoleNames.Targets);
        t.UpdateDelegatedTargets(_repo.Files["team-b"], "team-b", RoleNames.Targets);
        t.UpdateDelegatedTargets(_repo.Files["release"], "release", "team-b");
        Assert.True(t.TryTrustVerifiedCopy("release", "team-a"));
        Assert.Equal(["team-a/tool", "team-b/tool"], TargetSearch.AllTrusted(t).Select(f => f.Path));
    }

    [Fact]
    public void The_walk_stops_at_an_edge_it_cannot_use_instead_of_falling_through_to_a_later_role()
    {
        // targets delegates team-b/* first to team-b (whose "release" does not verify), then to "fallback",
        // which lists team-b/tool too. python-tuf fails the search at the unverifiable step; so must we.
        var fallbackKey = _repo.NewKey();
        _repo.Role(RoleNames.Targets, null, DelegationsOf(
            (Delegation("team-b", [_b], paths: ["team-b/*"]), [_b]),
            (Delegation("fallback", [fallbackKey], paths: ["team-b/*"]), [fallbackKey])));
        _repo.Role("team-b", null, DelegationsOf((Delegation("release", [_releaseViaB], paths: ["team-b/*"]), [_releaseViaB])), _b);
        _repo.Role("release", new Dictionary<string, TargetFile> { ["team-b/tool"] = Target("release") }, null, _releaseViaA);
        _repo.Role("fallback", new Dictionary<string, TargetFile> { ["team-b/tool"] = Target("fallback") }, null, fallbackKey);
        var t = _repo.LoadTopLevel();
        t.UpdateDelegatedTargets(_repo.Files["team-b"], "team-b", RoleNames.Targets);
        t.UpdateDelegatedTargets(_repo.Files["fallback"], "fallback", RoleNames.Targets);
        Assert.Throws<UnsignedMetadataException>(() => t.UpdateDelegatedTargets(_repo.Files["release"], "release", "team-b"));

        Assert.Equal([("targets", null), ("team-b", "targets"), ("release", "team-b")],
            TargetSearch.RolesToVisit(t.TargetsOf, "team-b/tool").ToList());
        Assert.Null(TargetSearch.Find(t.TargetsOf, "team-b/tool"));
        Assert.Empty(TargetSearch.AllTrusted(t));
    }

    [Fact]
    public void A_terminating_delegation_ends_the_search_with_its_subtree()
    {
        var first = _repo.NewKey();
        var second = _repo.NewKey();
        _repo.Role(RoleNames.Targets, null, DelegationsOf(
            (Delegation("first", [first], terminating: true, paths: ["*"]), [first]),
            (Delegation("second", [second], paths: ["*"]), [second])));
        _repo.Role("first", null, null, first);
        _repo.Role("second", new Dictionary<string, TargetFile> { ["x"] = Target("x") }, null, second);
        var t = _repo.LoadTopLevel();
        t.UpdateDelegatedTargets(_repo.Files["first"], "first", RoleNames.Targets);
        t.UpdateDelegatedTargets(_repo.Files["second"], "second", RoleNames.Targets);
        Assert.Null(TargetSearch.Find(t.TargetsOf, "x"));
        Assert.Empty(TargetSearch.AllTrusted(t));
    }

    [Fact]
    public void A_delegated_role_may_not_take_a_top_level_name()
    {
        var key = _repo.NewKey();
        _repo.Role(RoleNames.Targets, null, DelegationsOf((Delegation("snapshot", [key], paths: ["*"]), [key])));
        Assert.Throws<MetadataFormatException>(() => _repo.LoadTopLevel());
    }

    public void Dispose() => _repo.Dispose();
}
