using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>A repository on a hand-moved clock, with helpers to add packages and to load it as a client would.</summary>
internal sealed class PublishingTestRepo : IDisposable
{
    public TempDir Dir { get; } = new();
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public RepositoryProject Project { get; }

    public PublishingTestRepo() => Project = RepositoryProject.Init(Dir.Combine("repo"), Clock);

    public string MetadataPath(string file) => Path.Combine(Project.MetadataDir, file);
    public byte[] Meta(string file) => File.ReadAllBytes(MetadataPath(file));
    public bool HasMeta(string file) => File.Exists(MetadataPath(file));

    /// <summary>Builds a real package and queues it (for <paramref name="role"/>, or automatically).</summary>
    public AddedPackage AddPackage(string name, string version = "1.0.0", string? role = null)
    {
        var info = TestPackages.Info(name, version);
        var blob = Dir.Combine($"{name}-{version}.stork");
        File.WriteAllBytes(blob, TestPackages.Build(info));
        return Project.AddPackage(blob, name, version, info.ToJsonNode().AsObject(), role);
    }

    /// <summary>Client view: root chain from version 1, then timestamp, snapshot and targets through TrustedMetadata.</summary>
    public TrustedMetadata LoadAsClient(byte[]? trustedRoot = null)
    {
        var trusted = new TrustedMetadata(trustedRoot ?? Meta("1.root.json"), Clock.GetUtcNow());
        while (HasMeta($"{trusted.Root.Header.Version + 1}.root.json"))
            trusted.UpdateRoot(Meta($"{trusted.Root.Header.Version + 1}.root.json"));
        trusted.FinishRootUpdate();
        trusted.UpdateTimestamp(Meta("timestamp.json"));
        trusted.UpdateSnapshot(Meta($"{trusted.Timestamp!.Snapshot.Version}.snapshot.json"));
        trusted.UpdateTargets(Meta($"{trusted.Snapshot!.Meta["targets.json"].Version}.targets.json"));
        return trusted;
    }

    public RepositoryVerifier.Report Verify() => RepositoryVerifier.Verify(Project.PublicDir, Clock.GetUtcNow());

    public void AssertVerifies()
    {
        var report = Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    /// <summary>Moves a key's file out of the key store, as if it lived on an offline machine.</summary>
    public string TakeOffline(string keyId)
    {
        var file = Project.Keys.FilesByKeyId()[keyId];
        var offline = Dir.Combine("offline", Path.GetFileName(file));
        Directory.CreateDirectory(Path.GetDirectoryName(offline)!);
        File.Move(file, offline);
        return offline;
    }

    /// <summary>
    /// Writes a new version of a delegated role signed by <paramref name="signer"/> (bypassing the publisher's checks),
    /// then a snapshot and timestamp that list it correctly, signed by the real keys: only the role itself is forged.
    /// </summary>
    public void ForgeDelegatedRole(string role, IReadOnlyDictionary<string, TargetFile> targets, SigningKey signer)
    {
        var current = Project.TryCurrentTargets(role)!;
        var version = current.Header.Version + 1;
        var forged = current with { Header = current.Header with { Version = version }, Targets = targets };
        var envelope = new SignedEnvelope(forged.ToSigned());
        envelope.Sign(signer);
        var bytes = envelope.ToBytes();
        File.WriteAllBytes(MetadataPath($"{version}.{role}.json"), bytes);
        File.WriteAllBytes(MetadataPath($"{role}.json"), bytes);

        var snapshot = Project.CurrentSnapshot();
        var meta = new Dictionary<string, MetaFile>(snapshot.Meta) { [$"{role}.json"] = new(version, bytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(bytes) }) };
        var nextSnapshot = new SnapshotMetadata(snapshot.Header with { Version = snapshot.Header.Version + 1 }, meta);
        var snapshotBytes = SignWith(nextSnapshot.ToSigned(), Project.Keys.Load(RoleNames.Snapshot));
        File.WriteAllBytes(MetadataPath($"{nextSnapshot.Header.Version}.snapshot.json"), snapshotBytes);
        var timestamp = Project.CurrentTimestamp();
        var nextTimestamp = new TimestampMetadata(timestamp.Header with { Version = timestamp.Header.Version + 1 },
            new MetaFile(nextSnapshot.Header.Version, snapshotBytes.Length, new Dictionary<string, string> { ["sha256"] = Hashing.Sha256Hex(snapshotBytes) }));
        File.WriteAllBytes(MetadataPath("timestamp.json"), SignWith(nextTimestamp.ToSigned(), Project.Keys.Load(RoleNames.Timestamp)));
    }

    private static byte[] SignWith(JsonObject signed, SigningKey key)
    {
        using (key)
        {
            var envelope = new SignedEnvelope(signed);
            envelope.Sign(key);
            return envelope.ToBytes();
        }
    }

    public static SnapshotMetadata ParseSnapshot(byte[] bytes) => SnapshotMetadata.FromSigned(SignedEnvelope.Parse(bytes, "snapshot").Signed);

    public void Dispose() => Dir.Dispose();
}
