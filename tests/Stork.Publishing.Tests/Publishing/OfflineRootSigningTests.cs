using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>Root keys kept off the publishing host: stage, export, sign elsewhere, import.</summary>
public sealed class OfflineRootSigningTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private readonly string _offlineRootKey;
    private RepositoryProject Repo => _t.Project;

    public OfflineRootSigningTests()
        => _offlineRootKey = _t.TakeOffline(_t.Project.CurrentRoot().Role(RoleNames.Root).KeyIds.Single());

    private SignedEnvelope Export(string name = "next-root.json")
    {
        using var keys = new SigningKeys(Repo.Keys);
        Repo.ExportRoot(_t.Dir.Combine(name), keys);
        return SignedEnvelope.Parse(File.ReadAllBytes(_t.Dir.Combine(name)), name);
    }

    /// <summary>What 'stork-publish sign' does on the offline machine.</summary>
    private void SignFile(string name, string keyFile)
    {
        var path = _t.Dir.Combine(name);
        var envelope = SignedEnvelope.Parse(File.ReadAllBytes(path), path);
        using var key = KeyStore.LoadFile(keyFile);
        envelope.Sign(key);
        File.WriteAllBytes(path, envelope.ToBytes());
    }

    private RootChange Import(string name = "next-root.json")
    {
        using var keys = new SigningKeys(Repo.Keys);
        return Repo.ImportRoot(_t.Dir.Combine(name), keys);
    }

    [Fact]
    public void Rotating_the_root_key_offline_needs_the_old_and_the_new_key_before_import()
    {
        // The new root key is generated on the offline machine too; only its public half reaches the host.
        var newRootKeyFile = _t.Dir.Combine("offline", "root2.key.json");
        using (var k = SigningKey.Generate()) File.WriteAllText(newRootKeyFile, k.ToPrivateJson());
        File.SetUnixFileMode(newRootKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // private keys are 0600 (SPEC §8.1)
        var newRootPublic = _t.Dir.Combine("root2.pub.json");
        KeyFiles.WritePublic(newRootPublic, KeyFiles.Read(newRootKeyFile).Public);

        var staged = Repo.RotateKey(RoleNames.Root, KeyFiles.Read(newRootPublic), offline: true);
        Assert.False(staged.Published);
        Assert.Equal(2, staged.Version);
        Assert.Null(staged.PrivateKeyFile);
        Assert.True(Repo.HasStagedRoot);
        Assert.False(_t.HasMeta("2.root.json"));
        Assert.Equal(1, Repo.CurrentRoot().Header.Version);

        var exported = Export();
        Assert.Empty(exported.Signatures);
        Assert.Equal(2, RootMetadata.FromSigned(exported.Signed).Header.Version);

        var unsigned = Assert.Throws<RootSignatureException>(() => Import());
        Assert.Equal(ErrorClass.UntrustedRepository, unsigned.Class);

        SignFile("next-root.json", _offlineRootKey);
        // The old key alone meets the old threshold but not the new root's own.
        Assert.Contains("its own keys", Assert.Throws<RootSignatureException>(() => Import()).Message);
        Assert.False(_t.HasMeta("2.root.json"));

        SignFile("next-root.json", newRootKeyFile);
        var published = Import();
        Assert.True(published.Published);
        Assert.Empty(published.ResignedRoles);
        Assert.False(Repo.HasStagedRoot);
        var client = _t.LoadAsClient();
        Assert.Equal(2, client.Root.Header.Version);
        Assert.Equal([KeyFiles.Read(newRootPublic).Public.KeyId], client.Root.Role(RoleNames.Root).KeyIds);
        _t.AssertVerifies();
    }

    [Fact]
    public void An_offline_timestamp_rotation_is_staged_and_the_import_re_signs_the_timestamp()
    {
        var oldTimestamp = Repo.CurrentTimestamp().Header.Version;
        var staged = Repo.RotateKey(RoleNames.Timestamp, null, offline: true);
        Assert.False(staged.Published);
        // Meanwhile the repository keeps working with the old timestamp key.
        _t.AddPackage("hello");
        Repo.Publish();
        Assert.Equal(1, _t.LoadAsClient().Root.Header.Version);

        Export();
        SignFile("next-root.json", _offlineRootKey);
        var published = Import();
        Assert.Equal([RoleNames.Timestamp], published.ResignedRoles);

        var client = _t.LoadAsClient();
        Assert.Equal(2, client.Root.Header.Version);
        Assert.Equal([staged.KeyId!], client.Root.Role(RoleNames.Timestamp).KeyIds);
        Assert.Equal([staged.KeyId!], SignedEnvelope.Parse(_t.Meta("timestamp.json"), "t").Signatures.Select(s => s.KeyId));
        Assert.True(client.Timestamp!.Header.Version > oldTimestamp + 1);
        _t.AssertVerifies();
    }

    [Fact]
    public void Several_staged_changes_go_out_as_one_root_version()
    {
        var a = Repo.AddKey(RoleNames.Snapshot, null, offline: true);
        Repo.SetThreshold(RoleNames.Snapshot, 2, offline: true);
        Assert.Equal(2, a.Version);
        Export();
        SignFile("next-root.json", _offlineRootKey);
        Import();
        var client = _t.LoadAsClient();
        Assert.Equal(2, client.Root.Header.Version);
        Assert.Equal(2, client.Root.Role(RoleNames.Snapshot).Threshold);
        Assert.False(_t.HasMeta("3.root.json"));
        _t.AssertVerifies();
    }

    [Fact]
    public void A_tampered_signature_or_a_changed_root_after_signing_is_refused()
    {
        Repo.AddKey(RoleNames.Targets, null, offline: true);
        Export();
        SignFile("next-root.json", _offlineRootKey);

        var path = _t.Dir.Combine("next-root.json");
        var good = File.ReadAllBytes(path);
        var tampered = SignedEnvelope.Parse(good, "root");
        var sig = tampered.Signatures[0];
        tampered.Signatures[0] = sig with { SignatureHex = (sig.SignatureHex[0] == '0' ? "1" : "0") + sig.SignatureHex[1..] };
        File.WriteAllBytes(path, tampered.ToBytes());
        Assert.Throws<RootSignatureException>(() => Import());

        var altered = SignedEnvelope.Parse(good, "root");
        altered.Signed["expires"] = "2099-01-01T00:00:00Z";
        File.WriteAllBytes(path, altered.ToBytes());
        Assert.Throws<RootSignatureException>(() => Import());
        Assert.False(_t.HasMeta("2.root.json"));

        File.WriteAllBytes(path, good);
        Import();
        Assert.Equal(2, _t.LoadAsClient().Root.Header.Version);
    }

    [Fact]
    public void A_root_that_skips_a_version_is_refused()
    {
        Repo.AddKey(RoleNames.Targets, null, offline: true);
        var exported = Export();
        exported.Signed["version"] = 3;
        using (var key = KeyStore.LoadFile(_offlineRootKey)) exported.Sign(key);
        File.WriteAllBytes(_t.Dir.Combine("skip.json"), exported.ToBytes());
        Assert.Throws<RootSignatureException>(() => Import("skip.json"));
    }

    [Fact]
    public void A_root_whose_new_or_chain_keys_are_not_here_is_not_published()
    {
        using var elsewhere = SigningKey.Generate();
        var pub = _t.Dir.Combine("ts.pub.json");
        KeyFiles.WritePublic(pub, elsewhere.Public);
        Repo.RotateKey(RoleNames.Targets, null, offline: true);
        Repo.RotateKey(RoleNames.Timestamp, KeyFiles.Read(pub), offline: true);
        Export();
        SignFile("next-root.json", _offlineRootKey);
        Assert.Contains("'timestamp'", Assert.Throws<PublisherException>(() => Import()).Message);
        Assert.False(_t.HasMeta("2.root.json"));

        // With the timestamp key back, a missing snapshot key (needed below the new targets) still stops it.
        File.WriteAllText(Path.Combine(Repo.Keys.Directory, "ts.key.json"), elsewhere.ToPrivateJson());
        File.SetUnixFileMode(Path.Combine(Repo.Keys.Directory, "ts.key.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _t.TakeOffline(Repo.CurrentRoot().Role(RoleNames.Snapshot).KeyIds.Single());
        Assert.Contains("'snapshot'", Assert.Throws<PublisherException>(() => Import()).Message);
        Assert.False(_t.HasMeta("2.root.json"));
    }

    [Fact]
    public void A_staged_root_made_stale_by_a_newer_root_is_refused()
    {
        Repo.AddKey(RoleNames.Targets, null, offline: true);
        // The root key comes back online and publishes another change first.
        File.Move(_offlineRootKey, Path.Combine(Repo.Keys.Directory, "root.key.json"));
        var staged = File.ReadAllBytes(Repo.StagedRootPath);
        Repo.AddKey(RoleNames.Snapshot, null);
        Assert.False(Repo.HasStagedRoot); // the online change took the staged one with it
        File.WriteAllBytes(Repo.StagedRootPath, staged);
        Assert.Contains("delete it", Assert.Throws<PublisherException>(() => Export()).Message);
        var client = _t.LoadAsClient();
        Assert.Equal(2, client.Root.Role(RoleNames.Targets).KeyIds.Count);
        Assert.Equal(2, client.Root.Role(RoleNames.Snapshot).KeyIds.Count);
    }

    public void Dispose() => _t.Dispose();
}
