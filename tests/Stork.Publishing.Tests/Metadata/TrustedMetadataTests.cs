using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Metadata;

/// <summary>The client workflow's checks, driven with repositories the publisher writes and a hand-moved clock.</summary>
public sealed class TrustedMetadataTests : ClientWorkflowTest
{
    private TrustedMetadata LoadAll()
    {
        var t = Fresh();
        t.FinishRootUpdate();
        Assert.True(t.UpdateTimestamp(Meta("timestamp.json")));
        t.UpdateSnapshot(Meta($"{t.Timestamp!.Snapshot.Version}.snapshot.json"));
        t.UpdateTargets(Meta($"{t.Snapshot!.Meta["targets.json"].Version}.targets.json"));
        return t;
    }

    [Fact]
    public void A_fresh_repository_loads_through_the_whole_chain()
    {
        var t = LoadAll();
        Assert.Equal(1, t.Targets!.Header.Version);
        Assert.True(RepositoryVerifier.Verify(_repo.PublicDir, _clock.GetUtcNow()).Ok);
    }

    [Fact]
    public void An_older_timestamp_is_a_rollback()
    {
        var old = Meta("timestamp.json");
        _repo.Publish();
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        var e = Assert.Throws<RollbackException>(() => t.UpdateTimestamp(old));
        Assert.Contains("older than the trusted", e.Message);
    }

    [Fact]
    public void The_same_timestamp_version_means_nothing_new()
    {
        var t = Fresh();
        t.LoadTrustedTimestamp(Meta("timestamp.json"));
        Assert.False(t.UpdateTimestamp(Meta("timestamp.json")));
    }

    [Fact]
    public void An_expired_timestamp_is_refused()
    {
        _clock.Advance(TimeSpan.FromDays(2));
        var t = Fresh();
        Assert.Throws<ExpiredMetadataException>(() => t.UpdateTimestamp(Meta("timestamp.json")));
    }

    [Fact]
    public void An_expired_snapshot_is_refused_even_with_a_fresh_timestamp()
    {
        _clock.Advance(TimeSpan.FromDays(8));
        _repo.RefreshTimestamp();
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        Assert.Throws<ExpiredMetadataException>(() => t.UpdateSnapshot(Meta("1.snapshot.json")));
    }

    [Fact]
    public void A_snapshot_that_does_not_match_the_timestamp_hash_is_refused()
    {
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        var tampered = Meta("1.snapshot.json");
        tampered[^2] ^= 1;
        Assert.Throws<ContentMismatchException>(() => t.UpdateSnapshot(tampered));
    }

    [Fact]
    public void Metadata_signed_by_a_key_that_is_not_authorised_is_refused()
    {
        var envelope = SignedEnvelope.Parse(Meta("timestamp.json"), "t");
        envelope.Signatures.Clear();
        using var stranger = SigningKey.Generate();
        envelope.Sign(stranger);
        var e = Assert.Throws<UnsignedMetadataException>(() => Fresh().UpdateTimestamp(envelope.ToBytes()));
        Assert.Contains("threshold is 1", e.Message);
    }

    [Fact]
    public void A_new_root_needs_the_old_and_its_own_keys_and_exactly_the_next_version()
    {
        using var oldRootKey = _repo.Keys.Load(RoleNames.Root);
        using var newRootKey = SigningKey.Generate();
        var current = _repo.CurrentRoot();
        RootMetadata Next(long version)
        {
            var keys = current.Keys.ToDictionary(k => k.Key, k => k.Value);
            keys[newRootKey.KeyId] = newRootKey.Public;
            keys.Remove(oldRootKey.KeyId);
            var roles = current.Roles.ToDictionary(r => r.Key, r => r.Value);
            roles[RoleNames.Root] = new RoleKeys([newRootKey.KeyId], 1);
            return current with { Header = current.Header with { Version = version }, Keys = keys, Roles = roles };
        }
        byte[] Signed(RootMetadata root, params SigningKey[] keys)
        {
            var envelope = new SignedEnvelope(root.ToSigned());
            foreach (var k in keys) envelope.Sign(k);
            return envelope.ToBytes();
        }

        Assert.Throws<UnsignedMetadataException>(() => Fresh().UpdateRoot(Signed(Next(2), newRootKey)));
        Assert.Throws<UnsignedMetadataException>(() => Fresh().UpdateRoot(Signed(Next(2), oldRootKey)));
        Assert.Throws<BadVersionException>(() => Fresh().UpdateRoot(Signed(Next(3), oldRootKey, newRootKey)));
        var t = Fresh();
        t.UpdateRoot(Signed(Next(2), oldRootKey, newRootKey));
        Assert.Equal(2, t.Root.Header.Version);
    }

    [Fact]
    public void Root_expiry_is_checked_only_after_the_chain()
    {
        Assert.False(Fresh().RootExpired);
        _clock.Advance(TimeSpan.FromDays(400));
        var t = Fresh();
        Assert.True(t.RootExpired);
        Assert.Throws<ExpiredMetadataException>(() => t.FinishRootUpdate());
    }

    [Fact]
    public void Targets_must_be_the_version_the_snapshot_names()
    {
        var oldTargets = Meta("1.targets.json");
        _repo.Publish();
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        t.UpdateSnapshot(Meta($"{t.Timestamp!.Snapshot.Version}.snapshot.json"));
        Assert.ThrowsAny<RepositoryException>(() => t.UpdateTargets(oldTargets));
    }

}
