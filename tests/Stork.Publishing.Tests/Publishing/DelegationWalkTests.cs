using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>The search order of <see cref="PublisherDelegationWalk"/>: pre-order, visited set, terminating, paths.</summary>
public sealed class DelegationWalkTests
{
    private static readonly RootMetadata Root = MakeRoot();

    private static RootMetadata MakeRoot()
    {
        using var key = SigningKey.Generate();
        var roles = RoleNames.TopLevel.ToDictionary(r => r, _ => new RoleKeys([key.KeyId], 1));
        return new RootMetadata(new SignedHeader(RoleNames.Root, RoleNames.SpecVersion, 1, DateTimeOffset.MaxValue), true,
            new Dictionary<string, PublicKey> { [key.KeyId] = key.Public }, roles);
    }

    private static DelegatedRole Role(string name, bool terminating, params string[] paths)
        => new(name, new RoleKeys(["k"], 1), terminating, paths, null);

    private static TargetsMetadata Md(IEnumerable<string> targets, params DelegatedRole[] delegations)
        => new(new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, 1, DateTimeOffset.MaxValue),
            targets.ToDictionary(t => t, _ => new TargetFile(1, new Dictionary<string, string> { ["sha256"] = "00" })),
            delegations.Length == 0 ? null : new Delegations(new Dictionary<string, PublicKey>(), delegations));

    private static string? Find(Dictionary<string, TargetsMetadata> tree, string path)
        => PublisherDelegationWalk.Search(Root, s => tree.GetValueOrDefault(s.Name), path)?.Role.Name;

    [Fact]
    public void A_terminating_role_ends_the_search_for_its_paths()
    {
        var tree = new Dictionary<string, TargetsMetadata>
        {
            ["targets"] = Md([], Role("a", true, "packages/a/*"), Role("b", false, "packages/*/*")),
            ["a"] = Md([]),
            ["b"] = Md(["packages/a/x", "packages/c/y"]),
        };
        Assert.Null(Find(tree, "packages/a/x"));
        Assert.Equal("b", Find(tree, "packages/c/y"));
        tree["targets"] = Md([], Role("a", false, "packages/a/*"), Role("b", false, "packages/*/*"));
        Assert.Equal("b", Find(tree, "packages/a/x"));
    }

    [Fact]
    public void Pre_order_depth_first_finds_the_nested_role_before_a_later_sibling_and_cycles_end()
    {
        var tree = new Dictionary<string, TargetsMetadata>
        {
            ["targets"] = Md([], Role("a", false, "packages/*/*"), Role("c", false, "packages/*/*")),
            ["a"] = Md([], Role("b", false, "packages/*/*"), Role("a", false, "packages/*/*")),
            ["b"] = Md(["packages/p/p.stork"], Role("a", false, "packages/*/*")),
            ["c"] = Md(["packages/p/p.stork"]),
        };
        Assert.Equal("b", Find(tree, "packages/p/p.stork"));
        var all = PublisherDelegationWalk.All(Root, s => tree.GetValueOrDefault(s.Name)).Select(r => r.Name);
        Assert.Equal(["targets", "a", "b", "c"], all);
        Assert.Null(Find(tree, "other/x"));
    }

    [Fact]
    public void A_nested_role_is_only_allowed_paths_every_delegation_above_it_allows()
    {
        var tree = new Dictionary<string, TargetsMetadata>
        {
            ["targets"] = Md([], Role("a", false, "packages/a*/*")),
            ["a"] = Md([], Role("b", false, "packages/*/*")),
            ["b"] = Md([]),
        };
        var b = PublisherDelegationWalk.All(Root, s => tree.GetValueOrDefault(s.Name)).Single(r => r.Name == "b");
        Assert.True(b.Slot.Allows("packages/abc/x"));
        Assert.False(b.Slot.Allows("packages/zzz/x"));
    }
}
