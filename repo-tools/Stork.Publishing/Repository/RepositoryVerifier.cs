using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// Checks a published tree the way a client would: from version 1 of root through the root chain,
/// then timestamp, snapshot, targets, and the length and hash of every target file.
/// </summary>
public static class RepositoryVerifier
{
    public sealed record Report(long RootVersion, long TimestampVersion, long SnapshotVersion, long TargetsVersion, int TargetsChecked, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
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
        foreach (var (path, target) in trusted.Targets!.Targets.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var file = Path.Combine(targetsDir, consistent ? RepositoryLayout.HashPrefixedTarget(path, target.Sha256) : path);
            if (!File.Exists(file)) { problems.Add($"{path}: file {file} is missing"); continue; }
            var length = new FileInfo(file).Length;
            if (length != target.Length) { problems.Add($"{path}: {length} bytes on disk, signed length {target.Length}"); continue; }
            if (!Hashing.DigestEquals(Hashing.Sha256HexOfFile(file), target.Sha256)) { problems.Add($"{path}: sha256 differs from the signed hash"); continue; }
            try { checkTarget?.Invoke(path, target, file); }
            catch (StorkException e) { problems.Add($"{path}: {e.Message}"); }
            catch (FormatException e) { problems.Add($"{path}: {e.Message}"); }
        }
        return new Report(trusted.Root.Header.Version, trusted.Timestamp!.Header.Version, trusted.Snapshot!.Header.Version,
            trusted.Targets.Header.Version, trusted.Targets.Targets.Count, problems);
    }
}
