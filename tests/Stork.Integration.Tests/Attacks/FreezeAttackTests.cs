using Stork.Format.Errors;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attack 4: indefinite freeze, by an expired timestamp or an expired snapshot.</summary>
public sealed class FreezeAttackTests
{
    [Fact]
    public async Task A_frozen_expired_timestamp_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        lab.Repo.Publish();                 // the mirror never passes this on
        lab.Clock.Advance(TimeSpan.FromDays(2));
        var error = await AttackAssert.Refused<ExpiredMetadataException>(lab, () => lab.InstallAsync("libdemo"));
        Assert.Contains("timestamp", error.Message);
    }

    [Fact]
    public async Task A_frozen_expired_snapshot_behind_a_fresh_timestamp_is_refused()
    {
        using var lab = new AttackLab();
        lab.Clock.Advance(TimeSpan.FromDays(8));
        lab.Repo.RefreshTimestamp();        // fresh timestamp, but the snapshot it names is a week old
        lab.Sync();
        var error = await AttackAssert.Refused<ExpiredMetadataException>(lab, () => lab.InstallAsync("hello"), "timestamp.json");
        Assert.Contains("snapshot", error.Message);
    }
}
