using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// Crash safety toward mirrors (SPEC.md §2.2). A versioned file (<c>N.role.json</c>), once written under its final
/// name, is never rewritten with other content: new version numbers skip any that exist, and writing one that exists
/// with other bytes is refused. Every publish writes all versioned files first (roles, then <c>N.snapshot.json</c>),
/// then the unversioned copies, then <c>timestamp.json</c>; a publish killed anywhere therefore leaves either unused
/// versioned files (skipped next time) or a newest versioned snapshot (or root) that the unversioned files do not
/// show yet, which <see cref="ResumeInterruptedWrites"/> rolls forward when the project is next opened.
/// </summary>
public sealed partial class RepositoryProject
{
    /// <summary>Test hook: the process kills itself (SIGKILL) right after this many metadata files were written.</summary>
    public const string KillAfterWritesVariable = "STORK_PUBLISH_KILL_AFTER_WRITES";
    private static readonly int KillAfterWrites = int.TryParse(Environment.GetEnvironmentVariable(KillAfterWritesVariable), out var n) ? n : 0;
    private static int _writes;

    /// <summary>The first version at or above <paramref name="wanted"/> with no <c>N.role.json</c> on disk.</summary>
    private long NextFreeVersion(string role, long wanted)
    {
        while (File.Exists(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, wanted)))) wanted++;
        return wanted;
    }

    /// <summary>Writes a versioned file once: an existing one with the same bytes is left alone, one with other bytes is never replaced.</summary>
    private static void WriteVersionedOnce(string path, byte[] bytes)
    {
        if (File.Exists(path))
        {
            if (File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return;
            throw new PublisherException($"{path} exists with other content; versioned metadata never changes once written (SPEC.md §2.2)");
        }
        WriteWithGzip(path, bytes);
    }

    private static void WriteUnversioned(string path, byte[] bytes) => WriteWithGzip(path, bytes);

    // The gzip copy goes first, so a server never finds a new FILE.json with an old FILE.json.gz beside it (SERVING.md).
    private static void WriteWithGzip(string path, byte[] bytes)
    {
        if (GzipCopy(path, bytes) is { } gzip) WriteAtomically(path + ".gz", gzip);
        WriteAtomically(path, bytes);
        CountWrite();
    }

    private static void CountWrite()
    {
        if (KillAfterWrites > 0 && Interlocked.Increment(ref _writes) == KillAfterWrites)
            System.Diagnostics.Process.GetCurrentProcess().Kill();
    }

    /// <summary>
    /// A root change killed after the new root was written but before the roles whose keys it changed were re-signed
    /// leaves those roles signed by keys the root no longer names, and every client would refuse the repository.
    /// They are re-signed (with the chain below them) from the key store, as the root change would have done; when
    /// their keys are not here the state is left as it is and the next publish with the keys finishes it.
    /// </summary>
    private IReadOnlyList<string> ResignRolesTheRootNoLongerAccepts()
    {
        var root = CurrentRoot();
        var stale = new List<string>();
        foreach (var role in new[] { RoleNames.Targets, RoleNames.Snapshot, RoleNames.Timestamp })
        {
            var path = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role));
            if (!File.Exists(path)) return [];
            var bytes = File.ReadAllBytes(path);
            // The usual case, cheaply: enough signatures over the bytes as written (no DOM, no re-serialization).
            if (QuickSignatureCheck.Count(bytes, root.Keys, root.Role(role).KeyIds) >= root.Role(role).Threshold) continue;
            SignedEnvelope envelope;
            try { envelope = SignedEnvelope.Parse(bytes, path); }
            catch (MetadataFormatException) { return []; } // not ours to repair here: verify names it
            if (envelope.CountValidSignaturesOverReceivedBytes(root.Keys, root.Role(role).KeyIds) < root.Role(role).Threshold) stale.Add(role);
        }
        if (stale.Count == 0) return [];
        using var keys = new SigningKeys(Keys);
        var toSign = new HashSet<string>(stale) { RoleNames.Timestamp };
        if (toSign.Contains(RoleNames.Targets)) toSign.Add(RoleNames.Snapshot);
        if (toSign.Any(r => keys.Available(root.Role(r)) < root.Role(r).Threshold)) return [];
        var targetsChanged = stale.Contains(RoleNames.Targets)
            ? new Dictionary<string, TargetsMetadata> { [RoleNames.Targets] = CurrentTargets() }
            : new Dictionary<string, TargetsMetadata>();
        WriteChain(keys, root, targetsChanged, resignSnapshot: stale.Contains(RoleNames.Snapshot));
        return [$"re-signed {string.Join(", ", stale)} for root version {root.Header.Version}"];
    }

    /// <summary>
    /// Finishes what a killed publish wrote only in versioned form: a root <c>N+1.root.json</c> next to
    /// <c>root.json</c> version N that verifies as its successor becomes root.json; a newest <c>N.snapshot.json</c>
    /// ahead of snapshot.json has its listed roles' unversioned copies and snapshot.json brought up to it.
    /// </summary>
    /// <returns>What was rolled forward, for the report (empty when nothing was interrupted).</returns>
    public IReadOnlyList<string> ResumeInterruptedWrites()
    {
        var done = new List<string>();
        if (!System.IO.Directory.Exists(MetadataDir) || !File.Exists(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Root))))
            return done;
        while (true)
        {
            var current = CurrentRoot();
            var nextPath = Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Root, current.Header.Version + 1));
            if (!File.Exists(nextPath)) break;
            var currentPath = Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Root, current.Header.Version));
            var next = File.ReadAllBytes(nextPath);
            try { new TrustedMetadata(File.ReadAllBytes(currentPath), DateTimeOffset.MinValue.AddYears(1)).UpdateRoot(next); }
            catch (RepositoryException e) { throw new PublisherException($"{nextPath} is not a valid successor of root version {current.Header.Version} ({e.Message}); it was not written by a publish of this repository", e); }
            WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Root)), next);
            done.Add($"root version {current.Header.Version + 1}");
        }
        done.AddRange(ResignRolesTheRootNoLongerAccepts());

        var snapshotPath = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot));
        if (!File.Exists(snapshotPath)) return done;
        long shown = SnapshotVersion(File.ReadAllBytes(snapshotPath), snapshotPath), newest = shown;
        while (File.Exists(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, newest + 1)))) newest++;
        if (newest == shown) return done;
        var newestPath = Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, newest));
        var bytes = File.ReadAllBytes(newestPath);
        SnapshotMetadata snapshot;
        try { snapshot = SnapshotMetadata.FromSigned(SignedEnvelope.Parse(bytes, newestPath).Signed, newestPath); }
        catch (MetadataFormatException e) { throw new PublisherException($"{newestPath} cannot be read: {e.Message}", e); }
        foreach (var (file, meta) in snapshot.Meta)
        {
            var role = file.EndsWith(".json", StringComparison.Ordinal) ? file[..^".json".Length] : file;
            var versioned = Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, meta.Version));
            var unversioned = Path.Combine(MetadataDir, file);
            if (!File.Exists(versioned))
                throw new PublisherException($"{newestPath} lists {file} version {meta.Version}, but {versioned} is missing");
            if (TryCurrentTargets(role)?.Header.Version == meta.Version) continue;
            WriteUnversioned(unversioned, File.ReadAllBytes(versioned));
        }
        WriteUnversioned(snapshotPath, bytes);
        done.Add($"snapshot version {newest}");
        return done;
    }
}
