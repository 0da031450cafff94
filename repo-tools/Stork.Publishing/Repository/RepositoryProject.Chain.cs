using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>Writing signed metadata: changed targets-type roles, then snapshot, then timestamp.</summary>
public sealed partial class RepositoryProject
{
    /// <summary>Signs new targets (and delegated roles) with everything pending, then snapshot and timestamp.</summary>
    /// <param name="extraKeys">Private keys from the command line (e.g. a delegated role's maintainer key).</param>
    public PublishResult Publish(IEnumerable<SigningKey>? extraKeys = null)
    {
        var pendingFile = PendingTargetsFile.Load(Path.Combine(Directory, PendingFile));
        var root = CurrentRoot();
        var published = ReadPublishedRoles();
        var walked = published.Walk(root);
        var slots = walked.ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal);
        // Group the queue by role first, then copy each changed role's target list once (not once per entry).
        var queued = new Dictionary<string, List<KeyValuePair<string, TargetFile>>>(StringComparer.Ordinal);
        foreach (var (queuedRole, entries) in pendingFile.ByRole)
            foreach (var entry in entries)
            {
                var role = queuedRole == PendingTargetsFile.Automatic
                    ? AutomaticRole(published.Full(RoleNames.Targets) ?? throw new PublisherException("targets.json is missing; the repository is incomplete"), entry.Key)
                    : queuedRole;
                if (!queued.TryGetValue(role, out var list)) queued[role] = list = [];
                list.Add(entry);
            }
        var changed = new Dictionary<string, TargetsMetadata>(StringComparer.Ordinal);
        foreach (var (role, entries) in queued)
        {
            var metadata = (slots.ContainsKey(role) ? published.Full(role) : null)
                ?? throw new PublisherException($"a package is queued for role '{role}', which is no longer delegated; remove {PendingFile} and add it again");
            var targets = new Dictionary<string, TargetFile>(metadata.Targets, StringComparer.Ordinal);
            foreach (var (path, entry) in entries) targets[path] = entry;
            changed[role] = metadata with { Targets = targets };
        }
        // Publishing with nothing queued still re-signs targets: it renews its expiry.
        if (changed.Count == 0) changed[RoleNames.Targets] = published.Full(RoleNames.Targets)!;
        using var keys = new SigningKeys(Keys, extraKeys);
        // Roles nobody changed still expire (think of 256 hash bins): renew those past half their lifetime
        // whose keys are here. A maintainer's role whose key is elsewhere is left for its maintainer.
        var renewBefore = Now + Settings.TargetsExpiry / 2;
        foreach (var role in walked)
            if (!changed.ContainsKey(role.Name) && role.Metadata.Header.Expires <= renewBefore
                && keys.Available(role.Slot.Authorisation) >= role.Slot.Authorisation.Threshold)
                changed[role.Name] = published.Full(role.Name)!;
        var result = WriteChain(keys, root, changed, published: published);
        pendingFile.Delete();
        return result with { AddedTargets = pendingFile.Count };
    }

    /// <summary>Re-signs only the timestamp with a fresh expiry (for cron with short timestamp lifetimes).</summary>
    public long RefreshTimestamp()
    {
        using var keys = new SigningKeys(Keys);
        return WriteChain(keys, CurrentRoot(), new Dictionary<string, TargetsMetadata>()).TimestampVersion;
    }

    /// <summary>
    /// Writes new versions of the <paramref name="changed"/> targets-type roles (version = current + 1, fresh
    /// expiry), a new snapshot when anything changed (or <paramref name="resignSnapshot"/>), and always a new
    /// timestamp. Everything is signed in memory first, so a missing key fails before any file is written;
    /// files are then written bottom-up so the timestamp never names a file that is not there yet.
    /// Unchanged roles are read only for their delegations (which decide who signs their children), never in full.
    /// </summary>
    internal PublishResult WriteChain(SigningKeys keys, RootMetadata root, IReadOnlyDictionary<string, TargetsMetadata> changed,
        bool resignSnapshot = false, PublishedRoles? published = null)
    {
        var now = Now;
        published ??= ReadPublishedRoles();
        var currentSnapshot = published.Snapshot;

        var prepared = new List<(string Role, long Version, byte[] Bytes)>();
        int targetCount = 0;
        if (changed.Count > 0)
        {
            // Who signs a role comes from the new tree: a changed delegator's delegations decide for its children.
            var slots = published.Walk(root, changed).ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal);
            foreach (var (role, content) in changed.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!slots.TryGetValue(role, out var slot))
                    throw new PublisherException($"role '{role}' is not delegated from targets; it cannot be published");
                // Skips version numbers an interrupted publish already used: a versioned file never changes (SPEC §2.2).
                long version = NextFreeVersion(role, published.CurrentVersion(role) + 1);
                var metadata = content with { Header = new SignedHeader(RoleNames.Targets, RoleNames.SpecVersion, version, now + Settings.TargetsExpiry) };
                var bytes = keys.SignToBytes(role, metadata.ToSigned(), slot.Keys, slot.Authorisation);
                // Read our own output back with the client's parser: never publish metadata a client would reject as malformed.
                try { TargetsMetadata.FromSigned(SignedEnvelope.Parse(bytes, role).Signed, role); }
                catch (MetadataFormatException e) { throw new PublisherException($"refusing to publish malformed metadata for role '{role}': {e.Message}", e); }
                prepared.Add((role, version, bytes));
                targetCount += metadata.Targets.Count;
            }
        }

        var snapshotFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot));
        MetaFile snapshotEntry;
        byte[]? snapshotBytes = null;
        long snapshotVersion;
        if (prepared.Count > 0 || resignSnapshot || currentSnapshot is null)
        {
            var meta = new Dictionary<string, MetaFile>(currentSnapshot?.Meta ?? new Dictionary<string, MetaFile>(), StringComparer.Ordinal);
            foreach (var (role, version, bytes) in prepared)
                meta[RepositoryLayout.UnversionedMetadata(role)] = new MetaFile(version, bytes.Length, Sha256Of(bytes));
            snapshotVersion = NextFreeVersion(RoleNames.Snapshot, (currentSnapshot?.Header.Version ?? 0) + 1);
            var snapshot = new SnapshotMetadata(new SignedHeader(RoleNames.Snapshot, RoleNames.SpecVersion, snapshotVersion, now + Settings.SnapshotExpiry), meta);
            snapshotBytes = keys.SignToBytes(RoleNames.Snapshot, snapshot.ToSigned(), root.Keys, root.Role(RoleNames.Snapshot));
            snapshotEntry = new MetaFile(snapshotVersion, snapshotBytes.Length, Sha256Of(snapshotBytes));
        }
        else
        {
            snapshotVersion = currentSnapshot.Header.Version;
            var bytes = File.ReadAllBytes(snapshotFile);
            snapshotEntry = new MetaFile(snapshotVersion, bytes.Length, Sha256Of(bytes));
        }

        var timestampFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp));
        long timestampVersion = (File.Exists(timestampFile) ? CurrentTimestamp().Header.Version : 0) + 1;
        var timestamp = new TimestampMetadata(new SignedHeader(RoleNames.Timestamp, RoleNames.SpecVersion, timestampVersion, now + Settings.TimestampExpiry), snapshotEntry);
        var timestampBytes = keys.SignToBytes(RoleNames.Timestamp, timestamp.ToSigned(), root.Keys, root.Role(RoleNames.Timestamp));

        // Every versioned file first, then the unversioned copies, timestamp last (RepositoryProject.Resume.cs).
        foreach (var (role, version, bytes) in prepared) WriteVersionedOnce(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, version)), bytes);
        if (snapshotBytes is not null) WriteVersionedOnce(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, snapshotVersion)), snapshotBytes);
        foreach (var (role, _, bytes) in prepared) WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role)), bytes);
        if (snapshotBytes is not null) WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot)), snapshotBytes);
        WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp)), timestampBytes);

        var targetsVersion = prepared.FirstOrDefault(p => p.Role == RoleNames.Targets).Version;
        if (targetsVersion == 0) targetsVersion = published.CurrentVersion(RoleNames.Targets);
        return new PublishResult(targetsVersion, snapshotVersion, timestampVersion, targetCount, 0, prepared.Select(p => p.Role).ToList());
    }

    private static Dictionary<string, string> Sha256Of(byte[] bytes) => new() { ["sha256"] = Hashing.Sha256Hex(bytes) };

    internal void WriteEnvelope(string role, long version, SignedEnvelope envelope) => WriteMetadata(role, version, envelope.ToBytes());

    /// <summary>Writes N.role.json (immutable, for consistent snapshots) and role.json (the latest); timestamp has no N.</summary>
    /// <remarks>
    /// Every file but the timestamp also gets a gzip copy (FILE.json.gz) for nginx <c>gzip_static</c>, written
    /// first so the server never finds a new FILE.json with an old .gz beside it (format-spec/SERVING.md).
    /// </remarks>
    private void WriteMetadata(string role, long? version, byte[] bytes)
    {
        if (version is { } v) WriteVersionedOnce(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, v)), bytes);
        WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role)), bytes);
    }

    /// <summary>The gzip copy nginx <c>gzip_static</c> serves (FILE.json.gz); none for the timestamp, which is tiny.</summary>
    private static byte[]? GzipCopy(string path, byte[] bytes)
    {
        if (Path.GetFileName(path) == RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp)) return null;
        var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(bytes);
        return output.ToArray();
    }
}
