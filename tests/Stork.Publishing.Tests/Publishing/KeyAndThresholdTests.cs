using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>Several keys per role, thresholds, rotation: every change must be followed by an unmodified client.</summary>
public sealed class KeyAndThresholdTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private RepositoryProject Repo => _t.Project;

    [Fact]
    public void Adding_a_timestamp_key_and_raising_the_threshold_writes_new_roots_a_client_follows()
    {
        var added = Repo.AddKey(RoleNames.Timestamp, null);
        Assert.True(added.Published);
        Assert.Equal(2, added.Version);
        Assert.Equal([RoleNames.Timestamp], added.ResignedRoles);
        Assert.True(File.Exists(added.PrivateKeyFile));
        Assert.StartsWith($"timestamp.{added.KeyId![..16]}", Path.GetFileName(added.PrivateKeyFile));

        Repo.SetThreshold(RoleNames.Timestamp, 2);
        var client = _t.LoadAsClient();
        Assert.Equal(3, client.Root.Header.Version);
        Assert.Equal(2, client.Root.Role(RoleNames.Timestamp).Threshold);
        Assert.Equal(2, client.Root.Role(RoleNames.Timestamp).KeyIds.Count);
        // The timestamp now carries both signatures; with only one it is refused.
        var envelope = SignedEnvelope.Parse(_t.Meta("timestamp.json"), "timestamp");
        Assert.Equal(2, envelope.Signatures.Count);
        envelope.Signatures.RemoveAt(0);
        var fresh = new TrustedMetadata(_t.Meta("3.root.json"), _t.Clock.GetUtcNow());
        var e = Assert.Throws<UnsignedMetadataException>(() => fresh.UpdateTimestamp(envelope.ToBytes()));
        Assert.Contains("threshold is 2", e.Message);
        _t.AssertVerifies();
    }

    [Fact]
    public void Every_root_change_is_signed_by_the_old_and_the_new_root_keys()
    {
        var oldRootKey = Repo.CurrentRoot().Role(RoleNames.Root).KeyIds.Single();
        var rotated = Repo.RotateKey(RoleNames.Root, null);
        var v2 = SignedEnvelope.Parse(_t.Meta("2.root.json"), "root");
        Assert.Equal(new[] { oldRootKey, rotated.KeyId! }.Order(StringComparer.Ordinal), v2.Signatures.Select(s => s.KeyId).Order(StringComparer.Ordinal));
        // The old root key is no longer needed on this host and was moved aside, not deleted.
        Assert.False(Repo.Keys.FilesByKeyId().ContainsKey(oldRootKey));
        Assert.True(File.Exists(Path.Combine(Repo.Keys.Directory, KeyStore.RetiredDir, "root.key.json")));

        // A second change is signed with the new root key alone (it is both the old and the new root key now).
        Repo.AddKey(RoleNames.Snapshot, null);
        var client = _t.LoadAsClient();
        Assert.Equal(3, client.Root.Header.Version);
        Assert.Equal([rotated.KeyId!], client.Root.Role(RoleNames.Root).KeyIds);
        _t.AssertVerifies();
    }

    [Fact]
    public void Rotating_snapshot_and_targets_keys_re_signs_the_chain_and_old_keys_no_longer_count()
    {
        using var oldSnapshotKey = Repo.Keys.Load(RoleNames.Snapshot);
        _t.AddPackage("hello");
        Repo.Publish();
        var before = Repo.CurrentTimestamp().Header.Version;

        var snap = Repo.RotateKey(RoleNames.Snapshot, null);
        Assert.Equal([RoleNames.Snapshot], snap.ResignedRoles);
        var targets = Repo.RotateKey(RoleNames.Targets, null);
        Assert.Equal([RoleNames.Targets], targets.ResignedRoles);

        var client = _t.LoadAsClient();
        Assert.Equal(3, client.Root.Header.Version);
        Assert.Contains("packages/hello/hello-1.0.0.stork", client.Targets!.Targets.Keys);
        Assert.Equal(before + 2, client.Timestamp!.Header.Version);
        var signers = SignedEnvelope.Parse(_t.Meta($"{client.Snapshot!.Header.Version}.snapshot.json"), "s").Signatures.Select(s => s.KeyId);
        Assert.Equal([snap.KeyId!], signers);

        // A snapshot signed by the rotated-out key is refused by a client on the new root.
        var forged = SignedEnvelope.Parse(_t.Meta($"{client.Snapshot.Header.Version}.snapshot.json"), "s");
        forged.Signatures.Clear();
        forged.Sign(oldSnapshotKey);
        var fresh = new TrustedMetadata(_t.Meta("3.root.json"), _t.Clock.GetUtcNow());
        fresh.UpdateTimestamp(_t.Meta("timestamp.json"));
        Assert.ThrowsAny<RepositoryException>(() => fresh.UpdateSnapshot(forged.ToBytes()));
        _t.AssertVerifies();
    }

    [Fact]
    public void A_given_public_key_cannot_sign_so_the_change_is_refused_and_nothing_is_written()
    {
        using var outside = SigningKey.Generate();
        var file = _t.Dir.Combine("outside.pub.json");
        KeyFiles.WritePublic(file, outside.Public);
        // Rotating targets to a key whose private half is elsewhere would leave targets unsignable here.
        var e = Assert.Throws<PublisherException>(() => Repo.RotateKey(RoleNames.Targets, KeyFiles.Read(file)));
        Assert.Contains("targets", e.Message);
        Assert.False(_t.HasMeta("2.root.json"));
        // Adding it is fine: the existing key still meets threshold 1.
        Repo.AddKey(RoleNames.Targets, KeyFiles.Read(file));
        Assert.Contains(outside.KeyId, _t.LoadAsClient().Root.Role(RoleNames.Targets).KeyIds);
    }

    [Fact]
    public void Thresholds_and_removals_that_no_one_could_satisfy_are_refused()
    {
        Assert.Throws<PublisherException>(() => Repo.SetThreshold(RoleNames.Targets, 2));
        Assert.Throws<PublisherException>(() => Repo.SetThreshold(RoleNames.Targets, 0));
        var only = Repo.CurrentRoot().Role(RoleNames.Targets).KeyIds.Single();
        Assert.Contains("last key", Assert.Throws<PublisherException>(() => Repo.RemoveKey(RoleNames.Targets, only)).Message);
        var second = Repo.AddKey(RoleNames.Targets, null);
        Repo.SetThreshold(RoleNames.Targets, 2);
        Assert.Contains("lower the threshold", Assert.Throws<PublisherException>(() => Repo.RemoveKey(RoleNames.Targets, second.KeyId![..10])).Message);
        Repo.SetThreshold(RoleNames.Targets, 1);
        var removed = Repo.RemoveKey(RoleNames.Targets, second.KeyId![..10]);
        Assert.Equal(second.KeyId, removed.KeyId);
        var client = _t.LoadAsClient();
        Assert.Equal([only], client.Root.Role(RoleNames.Targets).KeyIds);
        Assert.DoesNotContain(second.KeyId, client.Root.Keys.Keys);
        Assert.False(Repo.Keys.FilesByKeyId().ContainsKey(second.KeyId!));
        _t.AssertVerifies();
    }

    [Fact]
    public void Without_the_root_key_an_online_change_is_refused_and_points_to_offline_signing()
    {
        _t.TakeOffline(Repo.CurrentRoot().Role(RoleNames.Root).KeyIds.Single());
        var before = Repo.Keys.FilesByKeyId().Count;
        var e = Assert.Throws<PublisherException>(() => Repo.AddKey(RoleNames.Timestamp, null));
        Assert.Contains("--offline", e.Message);
        Assert.Equal(ErrorClass.LocalState, e.Class);
        Assert.False(_t.HasMeta("2.root.json"));
        Assert.False(Repo.HasStagedRoot);
        Assert.Equal(before, Repo.Keys.FilesByKeyId().Count);
    }

    [Fact]
    public void Publishing_with_threshold_two_targets_needs_both_keys()
    {
        var second = Repo.AddKey(RoleNames.Targets, null);
        Repo.SetThreshold(RoleNames.Targets, 2);
        _t.AddPackage("hello");
        Repo.Publish();
        Assert.Equal(2, SignedEnvelope.Parse(_t.Meta("targets.json"), "t").Signatures.Count);
        _t.LoadAsClient();

        _t.TakeOffline(second.KeyId!);
        _t.AddPackage("other");
        var e = Assert.Throws<PublisherException>(() => Repo.Publish());
        Assert.Contains("needs 2 signature(s)", e.Message);
        Assert.Single(Repo.PendingTargets());
    }

    public void Dispose() => _t.Dispose();
}
