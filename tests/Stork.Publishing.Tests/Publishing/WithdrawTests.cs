using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>stork-publish list / remove: a withdrawn version leaves signed metadata, and the repository stays valid.</summary>
public class WithdrawTests
{
    [Fact]
    public void Remove_takes_a_version_out_of_signed_metadata_and_verify_stays_clean()
    {
        using var repo = new PublishingTestRepo();
        repo.AddPackage("hello", "1.0.0");
        repo.AddPackage("hello", "1.1.0");
        repo.AddPackage("other", "2.0.0");
        repo.Project.Publish();
        Assert.Equal(["hello 1.0.0", "hello 1.1.0", "other 2.0.0"], repo.Project.ListPackages().Select(p => $"{p.Name} {p.Version}"));

        var snapshotBefore = repo.LoadAsClient().Snapshot!.Header.Version;
        var removed = repo.Project.RemovePackage("hello", "1.1.0");
        Assert.Equal(["targets"], removed.Roles);

        var client = repo.LoadAsClient();
        Assert.True(client.Snapshot!.Header.Version > snapshotBefore);
        Assert.DoesNotContain(RepositoryLayout.PackageTarget("hello", "1.1.0"), client.Targets!.Targets.Keys);
        Assert.Contains(RepositoryLayout.PackageTarget("hello", "1.0.0"), client.Targets.Targets.Keys);
        Assert.Equal(["hello 1.0.0", "other 2.0.0"], repo.Project.ListPackages().Select(p => $"{p.Name} {p.Version}"));
        repo.AssertVerifies();
    }

    [Fact]
    public void Removing_what_is_not_published_is_an_error_naming_it()
    {
        using var repo = new PublishingTestRepo();
        repo.AddPackage("hello", "1.0.0");
        repo.Project.Publish();
        var e = Assert.Throws<PublisherException>(() => repo.Project.RemovePackage("hello", "9.9.9"));
        Assert.Contains("hello 9.9.9", e.Message);
        Assert.Throws<PublisherException>(() => repo.Project.RemovePackage("hello", "not a version!"));
        Assert.Single(repo.Project.ListPackages());
    }

    [Fact]
    public void A_pending_package_can_be_removed_before_publishing()
    {
        using var repo = new PublishingTestRepo();
        repo.AddPackage("hello", "1.0.0");
        Assert.True(repo.Project.ListPackages().Single().Pending);
        var removed = repo.Project.RemovePackage("hello", "1.0.0");
        Assert.True(removed.WasPending);
        Assert.Null(removed.Published);
        Assert.Empty(repo.Project.ListPackages());
        repo.Project.Publish();
        Assert.Empty(repo.LoadAsClient().Targets!.Targets);
    }
}
