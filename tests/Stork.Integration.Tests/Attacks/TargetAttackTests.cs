using Stork.Format.Errors;

namespace Stork.Integration.Tests.Attacks;

/// <summary>Attacks 1, 2 and 9: arbitrary package, wrong target, malicious mirror.</summary>
public sealed class TargetAttackTests
{
    [Fact]
    public async Task Arbitrary_package_served_in_place_of_a_signed_one_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        // The attacker's own package (any bytes) under the signed name.
        File.WriteAllBytes(lab.ServedBlob("libdemo", "1.1.0"), File.ReadAllBytes(lab.ServedBlob("hello", "2.0.0-beta.1")));
        var error = await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"));
        Assert.Contains("libdemo", error.Message);
    }

    [Fact]
    public async Task Wrong_target_a_real_but_different_package_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        File.Copy(lab.ServedBlob("libdemo", "1.0.0"), lab.ServedBlob("libdemo", "1.1.0"), overwrite: true);
        await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"));
    }

    [Fact]
    public async Task Malicious_mirror_adding_a_package_to_signed_targets_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        lab.Repo.Publish();
        lab.Sync();
        // The mirror edits the new targets file (a package entry's hash) and keeps the signatures.
        var targets = Path.Combine(lab.ServedMetadata, $"{lab.Repo.CurrentTargets().Header.Version}.targets.json");
        var text = File.ReadAllText(targets);
        var sha = lab.Repo.CurrentTargets().Targets["packages/libdemo/libdemo-1.1.0.stork"].Sha256;
        File.WriteAllText(targets, text.Replace(sha, new string('0', 64)));
        await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"), "timestamp.json", "snapshot.json");
    }

    [Fact]
    public async Task Malicious_mirror_with_its_own_root_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        // A new "root" signed only by the mirror's key.
        using var mirrorKey = Stork.Format.Crypto.SigningKey.Generate();
        var current = lab.Repo.CurrentRoot();
        var forged = current with
        {
            Header = current.Header with { Version = 2 },
            Keys = new Dictionary<string, Stork.Format.Crypto.PublicKey> { [mirrorKey.KeyId] = mirrorKey.Public },
            Roles = current.Roles.ToDictionary(r => r.Key, _ => new Stork.Format.Metadata.RoleKeys([mirrorKey.KeyId], 1)),
        };
        File.WriteAllBytes(Path.Combine(lab.ServedMetadata, "2.root.json"), LabSigning.Sign(forged.ToSigned(), mirrorKey));
        lab.PassRootCheckInterval();        // nothing else is new: the root is probed at the next root check
        var error = await AttackAssert.Refused<UnsignedMetadataException>(lab, lab.RefreshAsync);
        Assert.Contains("root version 2", error.Message);
    }
}
