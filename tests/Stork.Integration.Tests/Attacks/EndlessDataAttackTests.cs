using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attack 5: endless data on each role and on a blob. Every read stops at the signed length or the role's cap.</summary>
public sealed class EndlessDataAttackTests
{
    private static void Bloat(string path, int extraBytes)
    {
        using var file = new FileStream(path, FileMode.Append);
        file.Write(new byte[extraBytes]);
    }

    [Fact]
    public async Task Endless_timestamp_is_cut_at_the_cap()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        Bloat(Path.Combine(lab.ServedMetadata, "timestamp.json"), 20 * 1024 * 1024);
        var error = await AttackAssert.Refused<ContentMismatchException>(lab, lab.RefreshAsync);
        Assert.Contains("timestamp.json", error.Message);
    }

    [Fact]
    public async Task Endless_root_is_cut_at_the_cap()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "2.root.json"), new byte[4 * 1024 * 1024]);
        lab.PassRootCheckInterval();        // nothing else is new: the root is probed at the next root check
        await AttackAssert.Refused<ContentMismatchException>(lab, lab.RefreshAsync);
    }

    [Theory]
    [InlineData(RoleNames.Snapshot)]
    [InlineData(RoleNames.Targets)]
    public async Task Endless_snapshot_or_targets_are_cut_at_the_signed_length(string role)
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        lab.Repo.Publish();
        lab.Sync();
        var version = role == RoleNames.Snapshot ? lab.Repo.CurrentSnapshot().Header.Version : lab.Repo.CurrentTargets().Header.Version;
        Bloat(Path.Combine(lab.ServedMetadata, $"{version}.{role}.json"), 8 * 1024 * 1024);
        await AttackAssert.Refused<ContentMismatchException>(lab, lab.RefreshAsync, role == RoleNames.Targets ? ["timestamp.json", "snapshot.json"] : ["timestamp.json"]);
    }

    [Fact]
    public async Task Endless_blob_is_cut_at_the_signed_length()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        Bloat(lab.ServedBlob("libdemo", "1.1.0"), 16 * 1024 * 1024);
        var error = await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"));
        Assert.Contains("signed length", error.Message);
    }
}
