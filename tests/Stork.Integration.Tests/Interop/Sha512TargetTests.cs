using System.Security.Cryptography;
using Stork.Client.Packages;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Integration.Tests.Attacks;

namespace Stork.Integration.Tests.Interop;

/// <summary>
/// TUF lets a target list any of its hashes; other publishers (python-tuf's users, tuf-on-ci) may list only sha512.
/// stork-get must download, verify, cache and install such a package, and check every hash a target lists.
/// The repository is re-signed by its own keys with the edited hashes and served by nginx.
/// </summary>
public sealed class Sha512TargetTests
{
    private const string TargetPath = "packages/libdemo/libdemo-1.1.0.stork";

    [Fact]
    public async Task A_package_target_with_only_a_sha512_installs_and_is_cached_by_it()
    {
        using var lab = new AttackLab();
        var blob = File.ReadAllBytes(lab.ServedBlob("libdemo", "1.1.0"));
        var sha512 = Convert.ToHexStringLower(SHA512.HashData(blob));
        Resign(lab, new Dictionary<string, string> { ["sha512"] = sha512 });
        // Consistent snapshots name a target by a hash it lists: only the sha512 name is served now.
        var served = lab.ServedBlob("libdemo", "1.1.0");
        File.Move(served, Path.Combine(Path.GetDirectoryName(served)!, $"{sha512}.libdemo-1.1.0.stork"));

        await lab.InstallAsync("libdemo");

        var installed = Assert.Single(lab.Installed(), p => p.Name == "libdemo");
        Assert.Equal("1.1.0", installed.Version);
        Assert.Equal(sha512, installed.BlobSha256);
        Assert.Equal(blob, File.ReadAllBytes(Path.Combine(lab.Paths.BlobsDir, "sha512", sha512)));
        Assert.False(Directory.Exists(Path.Combine(lab.Paths.BlobsDir, "sha256")) && Directory.GetFiles(Path.Combine(lab.Paths.BlobsDir, "sha256")).Length > 0);
        Assert.Contains(lab.GuestTree().Keys, p => p.Contains("libdemo", StringComparison.Ordinal));

        // A second plan finds the blob in the cache (re-hashed with sha512) and the package in place.
        var again = await lab.PlanAsync("libdemo");
        Assert.Empty(again.Plan!.Packages.Added);
    }

    [Fact]
    public async Task Tampered_bytes_under_a_sha512_only_target_are_refused()
    {
        using var lab = new AttackLab();
        var blob = File.ReadAllBytes(lab.ServedBlob("libdemo", "1.1.0"));
        var sha512 = Convert.ToHexStringLower(SHA512.HashData(blob));
        Resign(lab, new Dictionary<string, string> { ["sha512"] = sha512 });
        var served = lab.ServedBlob("libdemo", "1.1.0");
        File.Delete(served);
        // Same length, other bytes: only the sha512 can tell.
        var tampered = (byte[])blob.Clone();
        tampered[tampered.Length / 2] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(served)!, $"{sha512}.libdemo-1.1.0.stork"), tampered);

        var error = await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"), "timestamp.json", "snapshot.json", "targets.json");
        Assert.Contains("sha512", error.Message);
        Assert.DoesNotContain(lab.Installed(), p => p.Name == "libdemo");
    }

    [Fact]
    public async Task Every_listed_hash_must_match_a_right_sha256_with_a_wrong_sha512_is_refused()
    {
        using var lab = new AttackLab();
        var blob = File.ReadAllBytes(lab.ServedBlob("libdemo", "1.1.0"));
        var sha256 = Hashing.Sha256Hex(blob);
        Resign(lab, new Dictionary<string, string> { ["sha256"] = sha256, ["sha512"] = new string('0', 128) });

        var error = await AttackAssert.Refused<ContentMismatchException>(lab, () => lab.InstallAsync("libdemo"), "timestamp.json", "snapshot.json", "targets.json");
        Assert.Contains("sha512", error.Message);
    }

    [Fact]
    public async Task A_target_with_both_hashes_installs_when_both_match()
    {
        using var lab = new AttackLab();
        var blob = File.ReadAllBytes(lab.ServedBlob("libdemo", "1.1.0"));
        var sha256 = Hashing.Sha256Hex(blob);
        Resign(lab, new Dictionary<string, string> { ["sha256"] = sha256, ["sha512"] = Convert.ToHexStringLower(SHA512.HashData(blob)) });

        await lab.InstallAsync("libdemo");

        var installed = Assert.Single(lab.Installed(), p => p.Name == "libdemo");
        Assert.Equal(sha256, installed.BlobSha256); // the sha256 names the blob when there is one: caches stay as they were
        Assert.True(File.Exists(Path.Combine(lab.Paths.BlobsDir, BlobId.Sha256, sha256)));
    }

    /// <summary>The publisher's own keys sign a new targets → snapshot → timestamp chain whose libdemo 1.1.0 lists <paramref name="hashes"/>.</summary>
    private static void Resign(AttackLab lab, Dictionary<string, string> hashes)
    {
        using var targetsKey = lab.Repo.Keys.Load(RoleNames.Targets);
        using var snapshotKey = lab.Repo.Keys.Load(RoleNames.Snapshot);
        using var timestampKey = lab.Repo.Keys.Load(RoleNames.Timestamp);
        ServedChain.Write(lab, targets =>
        {
            var list = targets.Targets.ToDictionary();
            list[TargetPath] = list[TargetPath] with { Hashes = hashes };
            return targets with { Targets = list };
        }, [targetsKey], [snapshotKey], null, timestampKey);
    }
}
