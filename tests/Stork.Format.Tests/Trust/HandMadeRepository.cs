using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Format.Tests.Trust;

/// <summary>
/// Signed metadata written by hand (no publisher), for delegation shapes the publisher would never write:
/// one key for every top-level role, then any targets roles with any delegations and signers.
/// </summary>
public sealed class HandMadeRepository : IDisposable
{
    public static readonly DateTimeOffset Now = DateTimeOffset.Parse("2030-01-01T00:00:00Z");
    private static readonly DateTimeOffset Expires = DateTimeOffset.Parse("2031-01-01T00:00:00Z");

    private readonly SigningKey _top = SigningKey.Generate();
    private readonly List<SigningKey> _owned = [];
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public SigningKey NewKey()
    {
        var key = SigningKey.Generate();
        _owned.Add(key);
        return key;
    }

    public static DelegatedRole Delegation(string name, IEnumerable<SigningKey> keys, bool terminating = false, string[]? paths = null, string[]? prefixes = null)
        => new(name, new RoleKeys(keys.Select(k => k.KeyId).ToList(), 1), terminating, paths, prefixes);

    public static Delegations DelegationsOf(params (DelegatedRole Role, SigningKey[] Keys)[] roles)
        => new(roles.SelectMany(r => r.Keys).DistinctBy(k => k.KeyId).ToDictionary(k => k.KeyId, k => k.Public), roles.Select(r => r.Role).ToList());

    public static TargetFile Target(string content)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        return new TargetFile(bytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(bytes) });
    }

    /// <summary>Writes a targets role signed by <paramref name="signers"/> (top-level "targets" is signed by the top key when none given).</summary>
    public void Role(string name, IReadOnlyDictionary<string, TargetFile>? targets, Delegations? delegations, params SigningKey[] signers)
    {
        var metadata = new TargetsMetadata(new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, 1, Expires), targets ?? new Dictionary<string, TargetFile>(), delegations);
        var envelope = new SignedEnvelope(metadata.ToSigned());
        foreach (var key in signers.Length == 0 ? [_top] : signers) envelope.Sign(key);
        Files[name] = envelope.ToBytes();
    }

    /// <summary>Root, snapshot (listing every role written, with hashes) and timestamp; returns a trust state loaded up to top-level targets.</summary>
    public TrustedMetadata LoadTopLevel()
    {
        var (root, timestamp, snapshot) = TopLevelBytes();
        var trusted = new TrustedMetadata(root, Now);
        trusted.FinishRootUpdate();
        trusted.UpdateTimestamp(timestamp);
        trusted.UpdateSnapshot(snapshot);
        trusted.UpdateTargets(Files[RoleNames.Targets]);
        return trusted;
    }

    /// <summary>Signed root, timestamp and snapshot for the roles written so far.</summary>
    public (byte[] Root, byte[] Timestamp, byte[] Snapshot) TopLevelBytes()
    {
        var roles = RoleNames.TopLevel.ToDictionary(r => r, _ => new RoleKeys([_top.KeyId], 1));
        var root = new RootMetadata(new SignedHeader(RoleNames.Root, RoleNames.SpecVersion, 1, Expires), true,
            new Dictionary<string, PublicKey> { [_top.KeyId] = _top.Public }, roles);
        var snapshot = new SnapshotMetadata(new SignedHeader(RoleNames.Snapshot, RoleNames.SpecVersion, 1, Expires),
            Files.ToDictionary(f => $"{f.Key}.json", f => new MetaFile(1, f.Value.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(f.Value) })));
        var snapshotBytes = Sign(snapshot.ToSigned());
        var timestamp = new TimestampMetadata(new SignedHeader(RoleNames.Timestamp, RoleNames.SpecVersion, 1, Expires),
            new MetaFile(1, snapshotBytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(snapshotBytes) }));
        return (Sign(root.ToSigned()), Sign(timestamp.ToSigned()), snapshotBytes);
    }

    private byte[] Sign(System.Text.Json.Nodes.JsonObject signed)
    {
        var envelope = new SignedEnvelope(signed);
        envelope.Sign(_top);
        return envelope.ToBytes();
    }

    public void Dispose()
    {
        _top.Dispose();
        foreach (var key in _owned) key.Dispose();
    }
}
