using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// Checks a published tree the way a client would: from version 1 of root through the root chain,
/// then timestamp, snapshot, targets, every delegated role reachable from targets (signatures by the
/// delegator's keys, version, length and hash as the snapshot names them, expiry), and the length and
/// hash of every target file of every role, which must also lie inside the paths delegated to its role.
/// </summary>
public static class RepositoryVerifier
{
    public sealed record Report(long RootVersion, long TimestampVersion, long SnapshotVersion, long TargetsVersion, int TargetsChecked, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
        /// <summary>Delegated roles that verified, in the order a client searches them.</summary>
        public IReadOnlyList<string> DelegatedRoles { get; init; } = [];
    }

    /// <param name="checkTarget">Optional extra check of each target file (e.g. that a package's manifest matches its signed entry).</param>
    public static Report Verify(string publicDir, DateTimeOffset now, Action<string, TargetFile, string>? checkTarget = null)
    {
        var metadataDir = Path.Combine(publicDir, RepositoryLayout.MetadataDir);
        var targetsDir = Path.Combine(publicDir, RepositoryLayout.TargetsDir);
        byte[] Read(string name)
        {
            var path = Path.Combine(metadataDir, name);
            if (!File.Exists(path)) throw new MetadataFormatException($"{path} is missing");
            return File.ReadAllBytes(path);
        }

        var trusted = new TrustedMetadata(Read(RepositoryLayout.VersionedMetadata(RoleNames.Root, 1)), now);
        while (File.Exists(Path.Combine(metadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Root, trusted.Root.Header.Version + 1))))
            trusted.UpdateRoot(Read(RepositoryLayout.VersionedMetadata(RoleNames.Root, trusted.Root.Header.Version + 1)));
        trusted.FinishRootUpdate();
        trusted.UpdateTimestamp(Read(RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp)));
        var consistent = trusted.Root.ConsistentSnapshot;
        trusted.UpdateSnapshot(Read(consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, trusted.Timestamp!.Snapshot.Version) : "snapshot.json"));
        trusted.UpdateTargets(Read(consistent ? RepositoryLayout.VersionedMetadata(RoleNames.Targets, trusted.Snapshot!.Meta["targets.json"].Version) : "targets.json"));

        var problems = new List<string>();
        var snapshot = trusted.Snapshot!;
        // Top-level targets is already verified by TrustedMetadata; delegated roles are checked here.
        TargetsMetadata? Load(RoleSlot slot)
        {
            if (slot.Name == RoleNames.Targets) return trusted.Targets;
            try { return LoadDelegated(slot, snapshot, consistent, Read, now); }
            catch (RepositoryException e) { problems.Add($"role {slot.Name}: {e.Message}"); return null; }
        }
        var roles = PublisherDelegationWalk.All(trusted.Root, Load);

        int checkedCount = 0;
        foreach (var role in roles)
            foreach (var (path, target) in role.Metadata.Targets.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                checkedCount++;
                var where = role.Name == RoleNames.Targets ? path : $"{path} (role {role.Name})";
                if (!role.Slot.Allows(path)) { problems.Add($"{where}: outside the paths delegated to role {role.Name}"); continue; }
                var file = Path.Combine(targetsDir, consistent ? RepositoryLayout.HashPrefixedTarget(path, target.Sha256) : path);
                if (!File.Exists(file)) { problems.Add($"{where}: file {file} is missing"); continue; }
                var length = new FileInfo(file).Length;
                if (length != target.Length) { problems.Add($"{where}: {length} bytes on disk, signed length {target.Length}"); continue; }
                if (!Hashing.DigestEquals(Hashing.Sha256HexOfFile(file), target.Sha256)) { problems.Add($"{where}: sha256 differs from the signed hash"); continue; }
                try { checkTarget?.Invoke(path, target, file); }
                catch (StorkException e) { problems.Add($"{where}: {e.Message}"); }
                catch (FormatException e) { problems.Add($"{where}: {e.Message}"); }
            }
        return new Report(trusted.Root.Header.Version, trusted.Timestamp!.Header.Version, snapshot.Header.Version,
            trusted.Targets!.Header.Version, checkedCount, problems)
        {
            DelegatedRoles = roles.Skip(1).Select(r => r.Name).ToList(),
        };
    }

    /// <summary>A delegated role's file, checked like top-level targets but against its delegator's keys.</summary>
    private static TargetsMetadata LoadDelegated(RoleSlot slot, SnapshotMetadata snapshot, bool consistent, Func<string, byte[]> read, DateTimeOffset now)
    {
        var fileName = RepositoryLayout.UnversionedMetadata(slot.Name);
        if (!snapshot.Meta.TryGetValue(fileName, out var meta))
            throw new MetadataFormatException($"snapshot version {snapshot.Header.Version} does not list {fileName}");
        var data = read(consistent ? RepositoryLayout.VersionedMetadata(slot.Name, meta.Version) : fileName);
        if (meta.Length is { } length && data.Length != length)
            throw new ContentMismatchException($"{data.Length} bytes, the snapshot says {length}");
        if (meta.Hashes?.TryGetValue("sha256", out var sha256) == true && !Hashing.DigestEquals(Hashing.Sha256Hex(data), sha256))
            throw new ContentMismatchException("sha256 does not match the snapshot");
        var envelope = SignedEnvelope.Parse(data, slot.Name);
        int valid = envelope.CountValidSignatures(slot.Keys, slot.Authorisation.KeyIds);
        if (valid < slot.Authorisation.Threshold)
            throw new UnsignedMetadataException($"{valid} valid signature(s) from the keys {slot.Delegator} delegated, threshold is {slot.Authorisation.Threshold}");
        var metadata = TargetsMetadata.FromSigned(envelope.Signed, slot.Name);
        if (metadata.Header.Version != meta.Version)
            throw new BadVersionException($"version {metadata.Header.Version} does not match version {meta.Version} named by the snapshot");
        if (metadata.Header.Expires <= now)
            throw new ExpiredMetadataException($"version {metadata.Header.Version} expired at {ExpiryFormat.Format(metadata.Header.Expires)}");
        return metadata;
    }
}
