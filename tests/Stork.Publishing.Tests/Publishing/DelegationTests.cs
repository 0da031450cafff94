using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>Delegated targets roles: created by the repository owner, signed by their maintainers.</summary>
public sealed class DelegationTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private readonly SigningKey _alice = SigningKey.Generate();
    private readonly string _alicePublic;
    private RepositoryProject Repo => _t.Project;

    public DelegationTests()
    {
        _alicePublic = _t.Dir.Combine("alice.pub.json");
        KeyFiles.WritePublic(_alicePublic, _alice.Public);
    }

    private KeyFiles.KeyFile AliceWithPrivate => new(_alice.Public, _alice);
    private KeyFiles.KeyFile AlicePublicOnly => KeyFiles.Read(_alicePublic);

    private PublishResult DelegateAlice(string patterns = "packages/hello/*", bool terminating = false)
        => Repo.Delegate("alice", [AliceWithPrivate], 1, patterns.Split(' '), null, terminating);

    [Fact]
    public void Delegating_writes_the_role_into_targets_and_version_1_into_the_snapshot()
    {
        var result = DelegateAlice();
        Assert.Equal(["alice", RoleNames.Targets], result.SignedRoles!.Order(StringComparer.Ordinal));

        var client = _t.LoadAsClient();
        var delegation = client.Targets!.Delegations!.Roles.Single();
        Assert.Equal("alice", delegation.Name);
        Assert.Equal(["packages/hello/*"], delegation.Paths);
        Assert.Equal([_alice.KeyId], delegation.Keys.KeyIds);
        Assert.Contains(_alice.KeyId, client.Targets.Delegations.Keys.Keys);

        var entry = client.Snapshot!.Meta["alice.json"];
        Assert.Equal(1, entry.Version);
        var bytes = _t.Meta("1.alice.json");
        Assert.Equal(bytes.Length, entry.Length);
        Assert.Equal(Hashing.Sha256Hex(bytes), entry.Hashes!["sha256"]);
        var alice = TargetsMetadata.FromSigned(SignedEnvelope.Parse(bytes, "alice").Signed);
        Assert.Empty(alice.Targets);
        Assert.Equal(RoleNames.Targets, alice.Header.Type);

        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["alice"], report.DelegatedRoles);
    }

    [Fact]
    public void The_maintainer_signs_their_own_role_and_only_their_role_changes()
    {
        DelegateAlice();
        var targetsBefore = Repo.CurrentTargets().Header.Version;
        var added = _t.AddPackage("hello", role: "alice");
        Assert.Equal("alice", added.Role);

        // Alice's key is not in the key store: publishing without it is refused, with it it works.
        Assert.Contains("'alice' needs 1 signature", Assert.Throws<PublisherException>(() => Repo.Publish()).Message);
        var published = Repo.Publish([_alice]);
        Assert.Equal(["alice"], published.SignedRoles);

        Assert.True(_t.HasMeta("2.alice.json"));
        Assert.Equal(targetsBefore, Repo.CurrentTargets().Header.Version);
        var client = _t.LoadAsClient();
        Assert.Empty(client.Targets!.Targets);
        Assert.Equal(2, client.Snapshot!.Meta["alice.json"].Version);
        var found = PublisherDelegationWalk.Search(client.Root, s => Repo.TryCurrentTargets(s.Name), "packages/hello/hello-1.0.0.stork");
        Assert.Equal("alice", found!.Value.Role.Name);
        Assert.Equal([_alice.KeyId], SignedEnvelope.Parse(_t.Meta("2.alice.json"), "a").Signatures.Select(s => s.KeyId));

        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(1, report.TargetsChecked);
    }

    [Fact]
    public void A_package_outside_the_role_paths_is_refused_naming_the_pattern()
    {
        DelegateAlice();
        var e = Assert.Throws<PublisherException>(() => _t.AddPackage("other", role: "alice"));
        Assert.Contains("packages/hello/*", e.Message);
        Assert.Contains("packages/other/other-1.0.0.stork", e.Message);
        Assert.Empty(Repo.PendingTargets());
        Assert.Throws<PublisherException>(() => _t.AddPackage("hello", role: "nobody"));
    }

    [Fact]
    public void Star_does_not_cross_a_slash()
    {
        Assert.True(TargetPathRules.PatternMatches("packages/*/*.stork", "packages/hello/hello-1.0.0.stork"));
        Assert.False(TargetPathRules.PatternMatches("packages/*", "packages/hello/hello-1.0.0.stork"));
        Assert.False(TargetPathRules.PatternMatches("*", "packages/x"));
        Assert.True(TargetPathRules.PatternMatches("packages/hello/hello-?.0.0.stork", "packages/hello/hello-1.0.0.stork"));
        Assert.False(TargetPathRules.PatternMatches("packages/hello/hello-?.0.0.stork", "packages/hello/hello-10.0.0.stork"));
        Assert.True(TargetPathRules.PatternMatches("packages/h*o/*", "packages/hello/x"));

        DelegateAlice("packages/*");
        Assert.Throws<PublisherException>(() => _t.AddPackage("hello", role: "alice"));
    }

    [Fact]
    public void A_role_may_be_delegated_by_path_hash_prefix()
    {
        var hash = TargetPathRules.PathHash("packages/hello/hello-1.0.0.stork");
        Repo.Delegate("hashed", [AliceWithPrivate], 1, null, [hash[..2]], false);
        _t.AddPackage("hello", role: "hashed");
        Repo.Publish([_alice]);
        var other = TargetPathRules.PathHash("packages/other/other-1.0.0.stork");
        if (!other.StartsWith(hash[..2], StringComparison.Ordinal))
            Assert.Contains("path hash prefixes", Assert.Throws<PublisherException>(() => _t.AddPackage("other", role: "hashed")).Message);
        _t.AssertVerifies();
        Assert.Equal([hash[..2]], _t.LoadAsClient().Targets!.Delegations!.Roles.Single().PathHashPrefixes);
    }

    [Fact]
    public void Version_1_needs_the_role_keys_and_bad_names_or_patterns_are_refused()
    {
        Assert.Contains("'alice' needs 1 signature", Assert.Throws<PublisherException>(() => Repo.Delegate("alice", [AlicePublicOnly], 1, ["packages/hello/*"], null, false)).Message);
        Assert.False(_t.HasMeta("1.alice.json"));
        Assert.Throws<PublisherException>(() => Repo.Delegate("../x", [AliceWithPrivate], 1, ["packages/*/*"], null, false));
        Assert.Throws<PublisherException>(() => Repo.Delegate("snapshot", [AliceWithPrivate], 1, ["packages/*/*"], null, false));
        Assert.Throws<PublisherException>(() => Repo.Delegate("alice", [AliceWithPrivate], 2, ["packages/*/*"], null, false));
        Assert.Throws<PublisherException>(() => Repo.Delegate("alice", [AliceWithPrivate], 1, ["/abs/*"], null, false));
        Assert.Throws<PublisherException>(() => Repo.Delegate("alice", [AliceWithPrivate], 1, null, ["xyz"], false));
        DelegateAlice();
        Assert.Throws<PublisherException>(() => DelegateAlice());
    }

    [Fact]
    public void A_delegated_role_signed_by_the_wrong_key_is_reported_by_verify()
    {
        DelegateAlice();
        var entry = Repo.CurrentTargets(); // untouched
        using var mallory = SigningKey.Generate();
        var target = new TargetFile(3, new Dictionary<string, string> { ["sha256"] = new string('0', 64) });
        _t.ForgeDelegatedRole("alice", new Dictionary<string, TargetFile> { ["packages/hello/evil.stork"] = target }, mallory);
        var report = _t.Verify();
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Contains("role alice") && p.Contains("threshold is 1"));
        Assert.Equal(0, report.TargetsChecked);
        Assert.NotNull(entry);
    }

    [Fact]
    public void A_target_outside_the_delegated_paths_is_reported_even_when_correctly_signed()
    {
        DelegateAlice();
        _t.AddPackage("hello", role: "alice");
        Repo.Publish([_alice]);
        var listed = Repo.TryCurrentTargets("alice")!.Targets.Single().Value;
        _t.ForgeDelegatedRole("alice", new Dictionary<string, TargetFile> { ["packages/other/other-1.0.0.stork"] = listed }, _alice);
        var report = _t.Verify();
        Assert.Contains(report.Problems, p => p.Contains("outside the paths delegated to role alice"));
    }

    [Fact]
    public void Key_commands_work_for_delegated_roles()
    {
        DelegateAlice();
        using var bob = SigningKey.Generate();
        var bobFile = _t.Dir.Combine("bob.key.json");
        File.WriteAllText(bobFile, bob.ToPrivateJson());
        File.SetUnixFileMode(bobFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // private keys are 0600 (SPEC §8.1)
        // Alice's key signs the re-signed role; the new key is taken from the given file (and kept in the store).
        var change = Repo.AddKey("alice", KeyFiles.Read(bobFile), extraKeys: [_alice]);
        Assert.Contains("alice", change.ResignedRoles);
        Assert.Contains(RoleNames.Targets, change.ResignedRoles);
        var delegation = _t.LoadAsClient().Targets!.Delegations!.Roles.Single();
        Assert.Equal(2, delegation.Keys.KeyIds.Count);
        Assert.Equal(1, _t.LoadAsClient().Root.Header.Version); // a delegation change does not touch root
        Repo.SetThreshold("alice", 2, extraKeys: [_alice]);
        Assert.Equal(2, _t.LoadAsClient().Targets!.Delegations!.Roles.Single().Keys.Threshold);
        Assert.Throws<PublisherException>(() => Repo.AddKey("alice", null, offline: true));
        _t.AssertVerifies();
    }

    [Fact]
    public void An_empty_list_of_hash_prefixes_counts_as_absent()
    {
        // What the CLI passes when only --paths is given.
        Repo.Delegate("alice", [AliceWithPrivate], 1, ["packages/hello/*"], [], false);
        var role = _t.LoadAsClient().Targets!.Delegations!.Roles.Single();
        Assert.Null(role.PathHashPrefixes);
        _t.AssertVerifies();
    }

    [Fact]
    public void A_delegated_role_can_delegate_further_within_its_own_paths()
    {
        Repo.Delegate("alice", [AliceWithPrivate], 1, ["packages/*/*"], null, false);
        using var bob = SigningKey.Generate();
        // Alice signs her new delegation; Bob's key signs his version 1.
        Repo.Delegate("bob", [new KeyFiles.KeyFile(bob.Public, bob)], 1, ["packages/hello/*"], null, true, parent: "alice", extraKeys: [_alice]);
        _t.AddPackage("hello", role: "bob");
        Repo.Publish([bob]);
        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(["alice", "bob"], report.DelegatedRoles);
        var client = _t.LoadAsClient();
        Assert.Equal("bob", PublisherDelegationWalk.Search(client.Root, s => Repo.TryCurrentTargets(s.Name), "packages/hello/hello-1.0.0.stork")!.Value.Role.Name);
        Assert.Throws<PublisherException>(() => Repo.Delegate("carol", [AliceWithPrivate], 1, ["packages/*/*"], null, false, parent: "nobody"));
    }

    public void Dispose()
    {
        _alice.Dispose();
        _t.Dispose();
    }
}
