using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>Writing signed metadata: changed targets-type roles, then snapshot, then timestamp.</summary>
public sealed partial class RepositoryProject
{
    /// <summary>Signs new targets (and delegated roles) with everything pending, then snapshot and timestamp.</summary>
    /// <param name="extraKeys">Private keys from the command line (e.g. a delegated role's maintainer key).</param>
    /// <remarks>
    /// The queue is read as a stream, twice: once for the names of the roles it changes (so that a missing key fails
    /// before anything is written), then role by role, each role read, merged, signed and written before the next
    /// one is read. Memory is bounded by the largest role, not by the queue or the repository.
    /// </remarks>
    public PublishResult Publish(IEnumerable<SigningKey>? extraKeys = null)
    {
        var pendingPath = Path.Combine(Directory, PendingFile);
        var root = CurrentRoot();
        var published = ReadPublishedRoles();
        var walked = published.Walk(root);
        var slots = walked.ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal);
        TargetsMetadata Top() => published.Full(RoleNames.Targets) ?? throw new PublisherException("targets.json is missing; the repository is incomplete");

        // First pass: the roles the queue changes, in file order. Entries of the old flat form are routed to their
        // role here and kept (that form predates bulk adds; such queues are small).
        var queuedRoles = new List<string>();
        var automatic = new Dictionary<string, List<KeyValuePair<string, TargetFile>>>(StringComparer.Ordinal);
        int added = 0;
        foreach (var entry in PendingTargetsFile.ReadEntries(pendingPath))
        {
            added++;
            if (entry.Role == PendingTargetsFile.Automatic)
            {
                var role = AutomaticRole(Top(), entry.Path);
                if (!automatic.TryGetValue(role, out var list)) automatic[role] = list = [];
                list.Add(new(entry.Path, PendingTargetsFile.Parse(entry, pendingPath)));
            }
            else
            {
                // Checked here too, so that a damaged entry fails before any role is written.
                PendingTargetsFile.Parse(entry, pendingPath);
                if (queuedRoles.Count == 0 || queuedRoles[^1] != entry.Role) queuedRoles.Add(entry.Role);
            }
        }
        var changing = new List<string>(queuedRoles);
        changing.AddRange(automatic.Keys.Where(r => !queuedRoles.Contains(r, StringComparer.Ordinal)));
        foreach (var role in changing)
            if (!slots.ContainsKey(role))
                throw new PublisherException($"a package is queued for role '{role}', which is no longer delegated; remove {PendingFile} and add it again");

        using var keys = new SigningKeys(Keys, extraKeys);
        // Roles nobody changed still expire (think of 256 hash bins): renew those past half their lifetime
        // whose keys are here. A maintainer's role whose key is elsewhere is left for its maintainer.
        var renewBefore = Now + Settings.TargetsExpiry / 2;
        var renewed = walked
            .Where(role => !changing.Contains(role.Name, StringComparer.Ordinal) && role.Metadata.Header.Expires <= renewBefore
                && keys.Available(role.Slot.Authorisation) >= role.Slot.Authorisation.Threshold)
            .Select(role => role.Name).ToList();
        // Publishing with nothing queued still re-signs targets: it renews its expiry.
        if (changing.Count == 0 && !renewed.Contains(RoleNames.Targets)) renewed.Insert(0, RoleNames.Targets);

        TargetsMetadata Merge(string role, List<KeyValuePair<string, TargetFile>> entries)
        {
            var metadata = published.Take(role)
                ?? throw new PublisherException($"a package is queued for role '{role}', which is no longer delegated; remove {PendingFile} and add it again");
            var targets = new Dictionary<string, TargetFile>(metadata.Targets, StringComparer.Ordinal);
            if (automatic.Remove(role, out var routed)) foreach (var (path, entry) in routed) targets[path] = entry;
            foreach (var (path, entry) in entries) targets[path] = entry;
            return metadata with { Targets = targets };
        }

        // Second pass: one role at a time.
        IEnumerable<(string, TargetsMetadata)> Changes()
        {
            foreach (var (role, entries) in PendingTargetsFile.ReadGroups(pendingPath))
                if (role != PendingTargetsFile.Automatic) yield return (role, Merge(role, entries));
            foreach (var role in automatic.Keys.ToList()) yield return (role, Merge(role, []));
            foreach (var role in renewed) yield return (role, published.Take(role)!);
        }

        var result = WriteChain(keys, root, slots, [.. changing, .. renewed], Changes(), resignSnapshot: false, published);
        File.Delete(pendingPath);
        return result with { AddedTargets = added };
    }

    /// <summary>Re-signs only the timestamp with a fresh expiry (for cron with short timestamp lifetimes).</summary>
    /// <remarks>
    /// Reads only root, the snapshot's bytes (its version from the tokens: the timestamp names its exact length and
    /// hash, and opening the project checked its signatures against root) and the timestamp's version; requires only
    /// the timestamp role's keys. Without a snapshot it writes the whole chain, as a publish would.
    /// </remarks>
    public long RefreshTimestamp()
    {
        using var keys = new SigningKeys(Keys);
        var root = CurrentRoot();
        var snapshotFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot));
        if (!File.Exists(snapshotFile)) return WriteChain(keys, root, new Dictionary<string, TargetsMetadata>()).TimestampVersion;
        keys.Require(RoleNames.Timestamp, root.Role(RoleNames.Timestamp));
        var bytes = File.ReadAllBytes(snapshotFile);
        var snapshotEntry = new MetaFile(SnapshotVersion(bytes, snapshotFile), bytes.Length, Sha256Of(bytes));
        var (version, timestampBytes) = SignTimestamp(keys, root, snapshotEntry, Now);
        WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp)), timestampBytes);
        return version;
    }

    /// <summary>The version of the snapshot in <paramref name="bytes"/>, from its tokens, or by the full parser when they are not simple.</summary>
    private static long SnapshotVersion(byte[] bytes, string path)
    {
        if (SignedVersionReader.Read(bytes, RoleNames.Snapshot) is { } version) return version;
        try { return SnapshotMetadata.FromSigned(SignedEnvelope.Parse(bytes, path).Signed, path).Header.Version; }
        catch (MetadataFormatException e) { throw new PublisherException($"{path} cannot be read: {e.Message}", e); }
    }

    /// <summary>The next timestamp (version = current + 1) naming <paramref name="snapshot"/>, signed; not yet written.</summary>
    private (long Version, byte[] Bytes) SignTimestamp(SigningKeys keys, RootMetadata root, MetaFile snapshot, DateTimeOffset now)
    {
        var timestampFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp));
        long current = 0;
        if (File.Exists(timestampFile))
            current = SignedVersionReader.Read(File.ReadAllBytes(timestampFile), RoleNames.Timestamp) ?? CurrentTimestamp().Header.Version;
        var timestamp = new TimestampMetadata(new SignedHeader(RoleNames.Timestamp, RoleNames.SpecVersion, current + 1, now + Settings.TimestampExpiry), snapshot);
        return (current + 1, keys.SignToBytes(RoleNames.Timestamp, timestamp.ToSigned(), root.Keys, root.Role(RoleNames.Timestamp)));
    }

    /// <summary>
    /// Writes new versions of the <paramref name="changed"/> targets-type roles (version = current + 1, fresh
    /// expiry), a new snapshot when anything changed (or <paramref name="resignSnapshot"/>), and always a new
    /// timestamp. Unchanged roles are read only for their delegations (which decide who signs their children), never in full.
    /// </summary>
    internal PublishResult WriteChain(SigningKeys keys, RootMetadata root, IReadOnlyDictionary<string, TargetsMetadata> changed,
        bool resignSnapshot = false, PublishedRoles? published = null)
    {
        published ??= ReadPublishedRoles();
        // Who signs a role comes from the new tree: a changed delegator's delegations decide for its children.
        var slots = changed.Count > 0
            ? published.Walk(root, changed).ToDictionary(r => r.Name, r => r.Slot, StringComparer.Ordinal)
            : new Dictionary<string, RoleSlot>(StringComparer.Ordinal);
        var ordered = changed.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value)).ToList();
        return WriteChain(keys, root, slots, [.. ordered.Select(c => c.Key)], ordered, resignSnapshot, published);
    }

    /// <summary>
    /// The chain writer: every key is checked before any file is written (so a missing key fails with nothing
    /// written); then each changed role of <paramref name="changes"/> (produced one at a time, in
    /// <paramref name="roles"/>) is signed and written as its versioned file before the next is produced, so only its
    /// signed size is kept. Files are written bottom-up so the timestamp never names a file that is not there yet:
    /// every versioned file, then the unversioned copies, timestamp last (RepositoryProject.Resume.cs).
    /// </summary>
    private PublishResult WriteChain(SigningKeys keys, RootMetadata root, IReadOnlyDictionary<string, RoleSlot> slots,
        IReadOnlyList<string> roles, IEnumerable<(string Role, TargetsMetadata Content)> changes, bool resignSnapshot, PublishedRoles published)
    {
        var now = Now;
        var currentSnapshot = published.Snapshot;
        foreach (var role in roles)
        {
            if (!slots.TryGetValue(role, out var slot))
                throw new PublisherException($"role '{role}' is not delegated from targets; it cannot be published");
            keys.Require(role, slot.Authorisation);
        }
        bool newSnapshot = roles.Count > 0 || resignSnapshot || currentSnapshot is null;
        if (newSnapshot) keys.Require(RoleNames.Snapshot, root.Role(RoleNames.Snapshot));
        keys.Require(RoleNames.Timestamp, root.Role(RoleNames.Timestamp));

        var prepared = new List<(string Role, MetaFile Meta)>();
        int targetCount = 0;
        foreach (var (role, content) in changes)
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
            WriteVersionedOnce(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, version)), bytes);
            prepared.Add((role, new MetaFile(version, bytes.Length, Sha256Of(bytes))));
            targetCount += metadata.Targets.Count;
        }

        var snapshotFile = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot));
        MetaFile snapshotEntry;
        byte[]? snapshotBytes = null;
        long snapshotVersion;
        if (prepared.Count > 0 || resignSnapshot || currentSnapshot is null)
        {
            var meta = new Dictionary<string, MetaFile>(currentSnapshot?.Meta ?? new Dictionary<string, MetaFile>(), StringComparer.Ordinal);
            foreach (var (role, entry) in prepared) meta[RepositoryLayout.UnversionedMetadata(role)] = entry;
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

        var (timestampVersion, timestampBytes) = SignTimestamp(keys, root, snapshotEntry, now);

        // The roles' versioned files are written; the snapshot's, then the unversioned copies, timestamp last.
        if (snapshotBytes is not null) WriteVersionedOnce(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Snapshot, snapshotVersion)), snapshotBytes);
        foreach (var (role, entry) in prepared) CopyToUnversioned(role, entry.Version);
        if (snapshotBytes is not null) WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Snapshot)), snapshotBytes);
        WriteUnversioned(Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(RoleNames.Timestamp)), timestampBytes);

        var targetsVersion = prepared.FirstOrDefault(p => p.Role == RoleNames.Targets).Meta?.Version ?? 0;
        if (targetsVersion == 0) targetsVersion = published.CurrentVersion(RoleNames.Targets);
        var signed = prepared.Select(p => p.Role).Order(StringComparer.Ordinal).ToList();
        return new PublishResult(targetsVersion, snapshotVersion, timestampVersion, targetCount, 0, signed);
    }

    /// <summary>The unversioned copy of a role's versioned file just written (and of its gzip copy), read back one role at a time.</summary>
    private void CopyToUnversioned(string role, long version)
    {
        var versioned = Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(role, version));
        var unversioned = Path.Combine(MetadataDir, RepositoryLayout.UnversionedMetadata(role));
        var bytes = File.ReadAllBytes(versioned);
        // WriteWithGzip wrote the .gz before the file, so an existing file has its own .gz beside it.
        if (File.Exists(versioned + ".gz"))
        {
            WriteAtomically(unversioned + ".gz", File.ReadAllBytes(versioned + ".gz"));
            WriteAtomically(unversioned, bytes);
            CountWrite();
        }
        else WriteUnversioned(unversioned, bytes);
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
