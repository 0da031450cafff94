using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>TUF hash bins: naming, prefix ranges, conversion, and that a new package touches only its bin.</summary>
public sealed class HashBinTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private RepositoryProject Repo => _t.Project;

    [Theory]
    [InlineData(2, 1, "bins-0", "bins-8")]
    [InlineData(16, 1, "bins-0", "bins-f")]
    [InlineData(32, 2, "bins-00", "bins-f8")]
    [InlineData(256, 2, "bins-00", "bins-ff")]
    [InlineData(4096, 3, "bins-000", "bins-fff")]
    public void Bins_split_the_prefixes_evenly_and_are_named_by_their_first_prefix(int count, int length, string first, string last)
    {
        var layout = HashBinLayout.Create(count);
        Assert.Equal(length, layout.PrefixLength);
        Assert.Equal(count, layout.Bins.Count);
        Assert.Equal(first, layout.Bins[0].Name);
        Assert.Equal(last, layout.Bins[^1].Name);
        var all = layout.Bins.SelectMany(b => b.Prefixes).ToList();
        Assert.Equal(1 << (4 * length), all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, p => Assert.Matches($"^[0-9a-f]{{{length}}}$", p));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void A_count_that_is_not_a_power_of_two_is_refused(int count)
        => Assert.Throws<PublisherException>(() => HashBinLayout.Create(count));

    [Fact]
    public void The_bin_of_a_path_is_the_one_whose_prefixes_start_its_sha256()
    {
        var layout = HashBinLayout.Create(16);
        const string path = "packages/hello/hello-1.0.0.stork";
        var bin = layout.BinOf(path);
        Assert.Equal("bins-" + TargetPathRules.PathHash(path)[..1], bin.Name);
    }

    [Fact]
    public void Converting_moves_every_target_into_its_bin_and_clients_still_find_them()
    {
        _t.AddPackage("hello");
        _t.AddPackage("other");
        _t.AddPackage("third", "2.0.0");
        Repo.Publish();

        var result = Repo.ConvertToHashBins(16);
        Assert.Equal(3, result.TargetCount);

        var client = _t.LoadAsClient();
        Assert.Empty(client.Targets!.Targets);
        var roles = client.Targets.Delegations!.Roles;
        Assert.Equal(16, roles.Count);
        Assert.All(roles, r => Assert.Null(r.Paths));
        Assert.Equal(17, client.Snapshot!.Meta.Count);
        var layout = HashBinLayout.Create(16);
        foreach (var path in new[] { "packages/hello/hello-1.0.0.stork", "packages/other/other-1.0.0.stork", "packages/third/third-2.0.0.stork" })
        {
            var found = PublisherDelegationWalk.Search(client.Root, s => Repo.TryCurrentTargets(s.Name), path);
            Assert.Equal(layout.BinOf(path).Name, found!.Value.Role.Name);
        }
        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(3, report.TargetsChecked);
        Assert.Equal(16, report.DelegatedRoles.Count);
        Assert.Contains("already", Assert.Throws<PublisherException>(() => Repo.ConvertToHashBins(16)).Message);
    }

    [Fact]
    public void After_conversion_adding_a_package_re_signs_exactly_one_bin_plus_snapshot_and_timestamp()
    {
        _t.AddPackage("hello");
        Repo.Publish();
        Repo.ConvertToHashBins(256);
        var before = Repo.CurrentSnapshot();
        var timestampBefore = Repo.CurrentTimestamp().Header.Version;

        var added = _t.AddPackage("other");
        var bin = HashBinLayout.Create(256).BinOf(added.TargetPath).Name;
        Assert.Equal(bin, added.Role);
        var published = Repo.Publish();
        Assert.Equal([bin], published.SignedRoles);

        var after = Repo.CurrentSnapshot();
        Assert.Equal(before.Header.Version + 1, after.Header.Version);
        Assert.Equal(timestampBefore + 1, Repo.CurrentTimestamp().Header.Version);
        var changed = after.Meta.Where(m => before.Meta[m.Key].Version != m.Value.Version).Select(m => m.Key).ToList();
        Assert.Equal([$"{bin}.json"], changed);
        Assert.Equal(before.Meta[$"{bin}.json"].Version + 1, after.Meta[$"{bin}.json"].Version);
        Assert.Equal(2, _t.Verify().TargetsChecked);
        _t.AssertVerifies();
    }

    [Fact]
    public void Bins_keep_working_after_their_shared_key_is_rotated_for_one_bin()
    {
        Repo.ConvertToHashBins(2);
        var change = Repo.RotateKey("bins-0", null);
        Assert.Contains("bins-0", change.ResignedRoles);
        _t.AddPackage("hello");
        _t.AddPackage("other");
        Repo.Publish();
        _t.AssertVerifies();
    }

    [Fact]
    public void Publishing_renews_bins_past_half_their_lifetime_so_untouched_bins_do_not_expire()
    {
        Repo.ConvertToHashBins(2);
        _t.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal([RoleNames.Targets], Repo.Publish().SignedRoles);
        _t.Clock.Advance(TimeSpan.FromDays(30));
        var renewed = Repo.Publish();
        Assert.Equal(["bins-0", "bins-8", RoleNames.Targets], renewed.SignedRoles!.Order(StringComparer.Ordinal));
        _t.Clock.Advance(TimeSpan.FromDays(60)); // day 120: the bins' first versions would have expired at day 90
        Repo.RefreshTimestamp();
        // Snapshot (7 days) is renewed by publishing; only the targets-type roles' lifetimes are under test here.
        Repo.Publish();
        _t.AssertVerifies();
    }

    public void Dispose() => _t.Dispose();
}
