using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Metadata;

/// <summary>
/// Every rule of the TUF client workflow (§5.3–5.6) that <see cref="TrustedMetadata"/> enforces, one test each,
/// including calls out of order. Metadata comes from a real publisher's repository; where a rule needs metadata the
/// publisher would never write, a role is edited and re-signed with that role's own key, so only the rule under test
/// is broken.
/// </summary>
public sealed class TrustedMetadataWorkflowTests : ClientWorkflowTest
{
    private TrustedMetadata WithTimestamp()
    {
        var t = Fresh();
        t.FinishRootUpdate();
        Assert.True(t.UpdateTimestamp(Meta("timestamp.json")));
        return t;
    }

    private TrustedMetadata WithSnapshot()
    {
        var t = WithTimestamp();
        t.UpdateSnapshot(Meta($"{t.Timestamp!.Snapshot.Version}.snapshot.json"));
        return t;
    }

    private string SnapshotFile(TrustedMetadata t) => $"{t.Timestamp!.Snapshot.Version}.snapshot.json";

    /// <summary>A role's current file, edited and signed again by that role's own key (so only the edit is wrong).</summary>
    private byte[] Resigned(string file, string role, Action<JsonObject> edit, SigningKey? signer = null)
    {
        var envelope = SignedEnvelope.Parse(Meta(file), file);
        edit(envelope.Signed);
        envelope.Signatures.Clear();
        using var own = signer is null ? _repo.Keys.Load(role) : null;
        envelope.Sign(signer ?? own!);
        return envelope.ToBytes();
    }

    /// <summary>A timestamp (re-signed by the timestamp key) that names these snapshot bytes as version <paramref name="version"/>.</summary>
    private byte[] TimestampNaming(byte[] snapshot, long version, long timestampVersion) =>
        Resigned("timestamp.json", RoleNames.Timestamp, signed =>
        {
            signed["version"] = timestampVersion;
            signed["meta"] = new JsonObject
            {
                ["snapshot.json"] = new JsonObject
                {
                    ["version"] = version,
                    ["length"] = snapshot.Length,
                    ["hashes"] = new JsonObject { ["sha256"] = Hashing.Sha256Hex(snapshot) },
                },
            };
        });

    // ---- calls out of order: programming errors, not repository errors ----

    [Fact]
    public void The_snapshot_cannot_be_loaded_before_the_timestamp() =>
        Assert.Throws<InvalidOperationException>(() => Fresh().UpdateSnapshot(Meta("1.snapshot.json")));

    [Fact]
    public void A_stored_snapshot_cannot_be_offered_before_the_timestamp() =>
        Assert.Throws<InvalidOperationException>(() => Fresh().TryUseLocalSnapshot(Meta("1.snapshot.json")));

    [Fact]
    public void Targets_cannot_be_loaded_before_the_snapshot() =>
        Assert.Throws<InvalidOperationException>(() => WithTimestamp().UpdateTargets(Meta("1.targets.json")));

    [Fact]
    public void A_delegated_role_cannot_be_loaded_before_the_snapshot() =>
        Assert.Throws<InvalidOperationException>(() => WithTimestamp().UpdateDelegatedTargets(Meta("1.targets.json"), "alice", RoleNames.Targets));

    [Fact]
    public void The_root_cannot_change_once_the_timestamp_is_loaded() =>
        Assert.Throws<InvalidOperationException>(() => WithTimestamp().UpdateRoot(Meta("1.root.json")));

    [Fact]
    public void The_timestamp_cannot_change_once_the_snapshot_is_loaded()
    {
        var t = WithSnapshot();
        Assert.Throws<InvalidOperationException>(() => t.UpdateTimestamp(Meta("timestamp.json")));
    }

    [Fact]
    public void The_snapshot_cannot_change_once_targets_are_loaded()
    {
        var t = WithSnapshot();
        t.UpdateTargets(Meta("1.targets.json"));
        Assert.Throws<InvalidOperationException>(() => t.UpdateSnapshot(Meta(SnapshotFile(t))));
    }

    [Fact]
    public void A_delegated_role_of_a_delegator_that_is_not_loaded_is_refused()
    {
        var t = WithSnapshot();
        Assert.Throws<InvalidOperationException>(() => t.UpdateDelegatedTargets(Meta("1.targets.json"), "alice", "bob"));
    }

    // ---- the trusted root and the root chain (§5.3) ----

    [Fact]
    public void A_pinned_root_without_its_own_threshold_of_signatures_is_refused()
    {
        using var stranger = SigningKey.Generate();
        var forged = Resigned("1.root.json", RoleNames.Root, _ => { }, stranger);
        Assert.Throws<UnsignedMetadataException>(() => new TrustedMetadata(forged, _clock.GetUtcNow()));
    }

    [Fact]
    public void A_root_update_of_another_type_is_malformed()
    {
        var timestamp = Meta("timestamp.json");
        Assert.ThrowsAny<RepositoryException>(() => Fresh().UpdateRoot(timestamp));
    }

    [Fact]
    public void After_a_root_rotates_the_timestamp_key_the_old_timestamp_no_longer_verifies()
    {
        var oldTimestamp = Meta("timestamp.json");
        _repo.RotateKey(RoleNames.Timestamp, null);
        var t = Fresh();
        t.UpdateRoot(Meta("2.root.json"));
        t.FinishRootUpdate();
        Assert.Throws<UnsignedMetadataException>(() => t.UpdateTimestamp(oldTimestamp));
        Assert.True(t.UpdateTimestamp(Meta("timestamp.json")));
    }

    [Fact]
    public void A_root_chain_may_pass_through_an_expired_intermediate_root()
    {
        _repo.RotateKey(RoleNames.Timestamp, null);
        _clock.Advance(TimeSpan.FromDays(400)); // both roots expired by now: only the newest one's expiry matters
        _repo.RotateKey(RoleNames.Snapshot, null);
        var t = Fresh();
        t.UpdateRoot(Meta("2.root.json"));
        t.UpdateRoot(Meta("3.root.json"));
        t.FinishRootUpdate();
        Assert.Equal(3, t.Root.Header.Version);
    }

    // ---- timestamp (§5.4) ----

    [Fact]
    public void A_timestamp_that_names_an_older_snapshot_than_the_trusted_one_is_a_rollback()
    {
        _repo.Publish();
        var t = Fresh();
        t.LoadTrustedTimestamp(Meta("timestamp.json"));
        var current = t.Timestamp!;
        var older = Resigned("timestamp.json", RoleNames.Timestamp, signed =>
        {
            signed["version"] = current.Header.Version + 1;
            signed["meta"]!["snapshot.json"]!["version"] = current.Snapshot.Version - 1;
        });
        var e = Assert.Throws<RollbackException>(() => t.UpdateTimestamp(older));
        Assert.Contains("snapshot version", e.Message);
    }

    [Fact]
    public void The_same_timestamp_past_its_expiry_is_a_freeze_attack()
    {
        var stored = Meta("timestamp.json");
        _clock.Advance(TimeSpan.FromDays(2));
        var t = Fresh();
        t.LoadTrustedTimestamp(stored); // a stored copy is a rollback floor even when expired
        Assert.Throws<ExpiredMetadataException>(() => t.UpdateTimestamp(stored));
    }

    [Fact]
    public void An_expired_timestamp_still_raises_the_rollback_floor()
    {
        _repo.Publish();
        var newer = Meta("timestamp.json");
        _clock.Advance(TimeSpan.FromDays(2));
        var t = Fresh();
        Assert.Throws<ExpiredMetadataException>(() => t.UpdateTimestamp(newer));
        Assert.Equal(TimestampMetadata.FromSigned(SignedEnvelope.Parse(newer, "t").Signed).Header.Version, t.Timestamp!.Header.Version);
    }

    // ---- snapshot (§5.5) ----

    [Fact]
    public void A_snapshot_whose_length_differs_from_the_timestamp_is_refused()
    {
        var t = WithTimestamp();
        var padded = Meta(SnapshotFile(t)).Concat(" "u8.ToArray()).ToArray();
        Assert.ThrowsAny<RepositoryException>(() => t.UpdateSnapshot(padded));
    }

    [Fact]
    public void A_snapshot_of_another_version_than_the_timestamp_names_is_refused()
    {
        var snapshot = Resigned("1.snapshot.json", RoleNames.Snapshot, signed => signed["version"] = 7);
        var t = Fresh();
        t.FinishRootUpdate();
        Assert.True(t.UpdateTimestamp(TimestampNaming(snapshot, version: 1, timestampVersion: 2)));
        Assert.Throws<BadVersionException>(() => t.UpdateSnapshot(snapshot));
    }

    [Fact]
    public void A_snapshot_signed_by_the_targets_key_is_refused()
    {
        using var targetsKey = _repo.Keys.Load(RoleNames.Targets);
        var snapshot = Resigned("1.snapshot.json", RoleNames.Snapshot, _ => { }, targetsKey);
        var t = Fresh();
        t.UpdateTimestamp(TimestampNaming(snapshot, version: 1, timestampVersion: 2));
        Assert.Throws<UnsignedMetadataException>(() => t.UpdateSnapshot(snapshot));
    }

    [Fact]
    public void A_snapshot_that_drops_a_role_the_trusted_snapshot_listed_is_a_rollback()
    {
        var stored = Meta("1.snapshot.json");
        var next = Resigned("1.snapshot.json", RoleNames.Snapshot, signed =>
        {
            signed["version"] = 2;
            signed["meta"]!.AsObject().Remove("targets.json");
        });
        var t = Fresh();
        t.UpdateTimestamp(TimestampNaming(next, version: 2, timestampVersion: 2));
        Assert.False(t.TryUseLocalSnapshot(stored)); // not the version the timestamp names: only a floor
        var e = Assert.Throws<RollbackException>(() => t.UpdateSnapshot(next));
        Assert.Contains("drops targets.json", e.Message);
    }

    [Fact]
    public void A_snapshot_that_lists_an_older_targets_version_than_the_trusted_snapshot_is_a_rollback()
    {
        _repo.Publish(); // snapshot 2 lists targets 2
        var stored = Meta("2.snapshot.json");
        var next = Resigned("2.snapshot.json", RoleNames.Snapshot, signed =>
        {
            signed["version"] = 3;
            signed["meta"]!["targets.json"]!["version"] = 1;
        });
        var t = Fresh();
        t.UpdateTimestamp(TimestampNaming(next, version: 3, timestampVersion: 9));
        Assert.False(t.TryUseLocalSnapshot(stored)); // not the version the timestamp names: only a floor
        var e = Assert.Throws<RollbackException>(() => t.UpdateSnapshot(next));
        Assert.Contains("targets.json version 1, older than the trusted 2", e.Message);
    }

    [Fact]
    public void An_expired_stored_snapshot_is_only_a_rollback_floor()
    {
        _clock.Advance(TimeSpan.FromDays(8)); // the snapshot expires after 7 days, the refreshed timestamp is fresh
        _repo.RefreshTimestamp();
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        Assert.False(t.TryUseLocalSnapshot(Meta("1.snapshot.json")));
        Assert.Null(t.Snapshot);
    }

    // ---- targets (§5.6) ----

    [Fact]
    public void Targets_whose_hash_differs_from_the_snapshot_are_refused()
    {
        var t = WithSnapshot();
        var tampered = Meta("1.targets.json");
        tampered[^2] ^= 1;
        Assert.Throws<ContentMismatchException>(() => t.UpdateTargets(tampered));
        Assert.Null(t.Targets);
    }

    [Fact]
    public void Expired_targets_are_refused()
    {
        // Re-sign the chain with targets that expired yesterday.
        var targets = Resigned("1.targets.json", RoleNames.Targets, signed => signed["expires"] = "2025-12-31T00:00:00Z");
        var snapshot = Resigned("1.snapshot.json", RoleNames.Snapshot, signed =>
        {
            signed["version"] = 2;
            signed["meta"]!["targets.json"] = new JsonObject
            {
                ["version"] = 1,
                ["length"] = targets.Length,
                ["hashes"] = new JsonObject { ["sha256"] = Hashing.Sha256Hex(targets) },
            };
        });
        var t = Fresh();
        t.UpdateTimestamp(TimestampNaming(snapshot, version: 2, timestampVersion: 2));
        t.UpdateSnapshot(snapshot);
        Assert.Throws<ExpiredMetadataException>(() => t.UpdateTargets(targets));
    }

    [Fact]
    public void Stored_targets_that_are_not_what_the_snapshot_names_are_not_used()
    {
        var oldTargets = Meta("1.targets.json");
        _repo.Publish();
        var t = Fresh();
        t.UpdateTimestamp(Meta("timestamp.json"));
        t.UpdateSnapshot(Meta(SnapshotFile(t)));
        Assert.False(t.TryUseLocalTargets(oldTargets));
        Assert.Null(t.Targets);
        Assert.True(t.TryUseLocalTargets(Meta($"{t.Snapshot!.Meta["targets.json"].Version}.targets.json")));
    }

    [Fact]
    public void A_delegated_role_signed_by_a_key_its_delegator_did_not_name_is_refused_and_not_trusted()
    {
        using var alice = SigningKey.Generate();
        using var mallory = SigningKey.Generate();
        _repo.Delegate("alice", [new KeyFiles.KeyFile(alice.Public, alice)], 1, ["packages/hello/*"], null, terminating: false);
        var t = WithSnapshot();
        t.UpdateTargets(Meta($"{t.Snapshot!.Meta["targets.json"].Version}.targets.json"));
        var forged = Resigned("1.alice.json", "alice", _ => { }, mallory);
        var snapshotEntry = t.Snapshot.Meta["alice.json"];
        Assert.Equal(1, snapshotEntry.Version);
        Assert.ThrowsAny<RepositoryException>(() => t.UpdateDelegatedTargets(forged, "alice", RoleNames.Targets));
        Assert.Null(t.TargetsOf("alice", RoleNames.Targets));
        Assert.NotNull(t.UpdateDelegatedTargets(Meta("1.alice.json"), "alice", RoleNames.Targets));
        Assert.NotNull(t.TargetsOf("alice", RoleNames.Targets));
    }

    [Fact]
    public void A_delegated_role_the_snapshot_does_not_list_is_malformed()
    {
        using var alice = SigningKey.Generate();
        _repo.Delegate("alice", [new KeyFiles.KeyFile(alice.Public, alice)], 1, ["packages/hello/*"], null, terminating: false);
        var t = WithSnapshot();
        t.UpdateTargets(Meta($"{t.Snapshot!.Meta["targets.json"].Version}.targets.json"));
        Assert.Throws<MetadataFormatException>(() => t.UpdateDelegatedTargets(Meta("1.alice.json"), "bob", RoleNames.Targets));
    }
}
