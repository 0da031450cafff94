using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Format.Trust;

/// <summary>
/// The client's set of trusted metadata, advanced one verified file at a time in the order of the
/// TUF 1.0 client workflow (§5): root chain, timestamp, snapshot, targets. Pure: bytes and a fixed
/// reference time in, verified metadata out. Every check failure is a <see cref="RepositoryException"/>.
/// </summary>
public sealed class TrustedMetadata
{
    private readonly DateTimeOffset _now;
    private SnapshotMetadata? _snapshotFloor;

    public RootMetadata Root { get; private set; }
    public TimestampMetadata? Timestamp { get; private set; }
    public SnapshotMetadata? Snapshot { get; private set; }
    public TargetsMetadata? Targets { get; private set; }

    /// <summary>Delegated roles verified through one delegation each: (role, delegating role) → metadata.</summary>
    private readonly Dictionary<(string Role, string Delegator), TargetsMetadata> _delegated = new();
    /// <summary>Per role name, the bytes the snapshot names, once they verified through some delegation (for re-checks via others).</summary>
    private readonly Dictionary<string, (ReceivedEnvelope Envelope, TargetsMetadata Metadata)> _verifiedCopies = new(StringComparer.Ordinal);

    /// <summary>Names of every targets role loaded: "targets" first, then delegated roles in load order (each once).</summary>
    public IEnumerable<string> LoadedTargetRoles => (Targets is null ? [] : new[] { RoleNames.Targets }).Concat(_verifiedCopies.Keys);

    /// <summary>Every loaded targets listing, each role once: only for collecting candidate paths, never for trust.</summary>
    public IEnumerable<TargetsMetadata> LoadedTargetsListings => (Targets is null ? [] : new[] { Targets }).Concat(_verifiedCopies.Values.Select(v => v.Metadata));

    /// <summary>Every loaded targets role with its metadata: "targets" first, then delegated roles in load order (each once).</summary>
    public IEnumerable<(string Role, TargetsMetadata Metadata)> LoadedTargets
        => (Targets is null ? [] : new[] { (RoleNames.Targets, Targets) }).Concat(_verifiedCopies.Select(v => (v.Key, v.Value.Metadata)));

    /// <summary>
    /// Top-level targets (delegator null), or a delegated role as verified through <paramref name="delegator"/>'s
    /// delegation; null when that edge is not loaded or did not verify. A role verified through one delegator is not
    /// thereby trusted through another (diamond delegations).
    /// </summary>
    public TargetsMetadata? TargetsOf(string role, string? delegator)
    {
        if (delegator is null) return role == RoleNames.Targets ? Targets : null;
        return _delegated.GetValueOrDefault((role, delegator));
    }

    /// <summary>Whether some delegation already verified this role's bytes in this update.</summary>
    public bool HasVerifiedCopy(string role) => _verifiedCopies.ContainsKey(role);

    /// <param name="trustedRoot">The root the host already trusts (pinned at init, or persisted after verification).</param>
    /// <param name="now">The reference time, fixed once for the whole update.</param>
    public TrustedMetadata(ReadOnlySpan<byte> trustedRoot, DateTimeOffset now)
    {
        _now = now;
        var envelope = SignedEnvelope.Parse(trustedRoot, "trusted root");
        var root = RootMetadata.FromSigned(envelope.Signed, "trusted root");
        RequireThreshold(envelope, root.Keys, root.Role(RoleNames.Root), "trusted root");
        Root = root;
    }

    /// <summary>Accepts root version N+1, signed by a threshold of both the current and its own root keys.</summary>
    public RootMetadata UpdateRoot(ReadOnlySpan<byte> data)
    {
        if (Timestamp is not null) throw new InvalidOperationException("the root cannot change after the timestamp was loaded");
        var what = $"root version {Root.Header.Version + 1}";
        var envelope = SignedEnvelope.Parse(data, what);
        if (envelope.Type != RoleNames.Root) throw new MetadataFormatException($"{what}: expected _type 'root', found '{envelope.Type}'");
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Root), $"{what} (checked with the keys of root version {Root.Header.Version})");
        var next = RootMetadata.FromSigned(envelope.Signed, what);
        RequireThreshold(envelope, next.Keys, next.Role(RoleNames.Root), $"{what} (checked with its own keys)");
        if (next.Header.Version != Root.Header.Version + 1)
            throw new BadVersionException($"{what}: the file claims version {next.Header.Version}; expected exactly {Root.Header.Version + 1}");
        Root = next;
        return next;
    }

    /// <summary>Whether the current root is expired at the reference time (a query; <see cref="FinishRootUpdate"/> enforces it).</summary>
    public bool RootExpired => Root.Header.Expires <= _now;

    /// <summary>Called once the root chain has no newer version. Expiry is checked only now, as the spec requires.</summary>
    public void FinishRootUpdate()
    {
        if (RootExpired)
            throw new ExpiredMetadataException($"root version {Root.Header.Version} expired at {ExpiryFormat.Format(Root.Header.Expires)}");
    }

    /// <returns>False when the new timestamp has the same version as the trusted one: nothing changed.</returns>
    public bool UpdateTimestamp(ReadOnlySpan<byte> data)
    {
        if (Snapshot is not null) throw new InvalidOperationException("the timestamp cannot change after the snapshot was loaded");
        const string what = "timestamp";
        var envelope = SignedEnvelope.Parse(data, what);
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Timestamp), what);
        var next = TimestampMetadata.FromSigned(envelope.Signed, what);
        if (Timestamp is { } current)
        {
            if (next.Header.Version < current.Header.Version)
                throw new RollbackException($"timestamp version {next.Header.Version} is older than the trusted version {current.Header.Version}");
            if (next.Header.Version == current.Header.Version)
            {
                // Nothing new, but a timestamp that stays the same past its expiry is a freeze.
                RequireTimestampNotExpired();
                return false;
            }
            if (next.Snapshot.Version < current.Snapshot.Version)
                throw new RollbackException($"timestamp names snapshot version {next.Snapshot.Version}, older than the trusted {current.Snapshot.Version}");
        }
        // Kept even if expired so that a later rollback check has a floor; the caller must not persist it.
        Timestamp = next;
        if (next.Header.Expires <= _now)
            throw new ExpiredMetadataException($"timestamp version {next.Header.Version} expired at {ExpiryFormat.Format(next.Header.Expires)}");
        return true;
    }

    /// <summary>Loads the local timestamp copy; it is a rollback floor even when expired.</summary>
    public void LoadTrustedTimestamp(ReadOnlySpan<byte> data)
    {
        const string what = "stored timestamp";
        var envelope = SignedEnvelope.Parse(data, what);
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Timestamp), what);
        Timestamp = TimestampMetadata.FromSigned(envelope.Signed, what);
    }

    /// <summary>
    /// Offers the stored snapshot. It becomes the trusted snapshot when it is the one the timestamp names
    /// (nothing to download); otherwise it only serves as the floor for the rollback check.
    /// </summary>
    public bool TryUseLocalSnapshot(ReadOnlySpan<byte> data)
    {
        if (Timestamp is null) throw new InvalidOperationException("the timestamp must be loaded before the snapshot");
        RequireTimestampNotExpired();
        const string what = "stored snapshot";
        var envelope = SignedEnvelope.Parse(data, what);
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Snapshot), what);
        var local = SnapshotMetadata.FromSigned(envelope.Signed, what);
        if (local.Header.Version == Timestamp.Snapshot.Version && local.Header.Expires > _now)
        {
            Snapshot = local;
            return true;
        }
        _snapshotFloor = local;
        return false;
    }

    public void UpdateSnapshot(ReadOnlySpan<byte> data)
    {
        if (Timestamp is null) throw new InvalidOperationException("the timestamp must be loaded before the snapshot");
        if (Targets is not null) throw new InvalidOperationException("the snapshot cannot change after targets were loaded");
        RequireTimestampNotExpired();
        const string what = "snapshot";
        CheckLengthAndHashes(data, Timestamp.Snapshot, what);
        var envelope = SignedEnvelope.Parse(data, what);
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Snapshot), what);
        var next = SnapshotMetadata.FromSigned(envelope.Signed, what);
        if ((Snapshot ?? _snapshotFloor) is { } current)
        {
            foreach (var (file, old) in current.Meta)
            {
                if (!next.Meta.TryGetValue(file, out var now))
                    throw new RollbackException($"snapshot version {next.Header.Version} drops {file}, which version {current.Header.Version} listed");
                if (now.Version < old.Version)
                    throw new RollbackException($"snapshot version {next.Header.Version} lists {file} version {now.Version}, older than the trusted {old.Version}");
            }
        }
        if (next.Header.Version != Timestamp.Snapshot.Version)
            throw new BadVersionException($"snapshot version {next.Header.Version} does not match version {Timestamp.Snapshot.Version} named by the timestamp");
        if (next.Header.Expires <= _now)
            throw new ExpiredMetadataException($"snapshot version {next.Header.Version} expired at {ExpiryFormat.Format(next.Header.Expires)}");
        Snapshot = next;
    }

    /// <summary>Offers the stored targets; used when it is exactly the version (and hash) the snapshot names.</summary>
    public bool TryUseLocalTargets(ReadOnlySpan<byte> data)
    {
        try
        {
            UpdateTargets(data, "stored targets");
            return true;
        }
        catch (RepositoryException)
        {
            return false;
        }
    }

    public void UpdateTargets(ReadOnlySpan<byte> data) => UpdateTargets(data, "targets");

    private void UpdateTargets(ReadOnlySpan<byte> data, string what)
    {
        if (Snapshot is null) throw new InvalidOperationException("the snapshot must be loaded before targets");
        if (!Snapshot.Meta.TryGetValue("targets.json", out var meta))
            throw new MetadataFormatException($"snapshot version {Snapshot.Header.Version} does not list targets.json");
        CheckLengthAndHashes(data, meta, what);
        // Read typed from the received bytes (no DOM per target); the signatures are checked over those bytes first.
        var envelope = ReceivedEnvelope.Parse(data, what);
        RequireThreshold(envelope, Root.Keys, Root.Role(RoleNames.Targets), what);
        var next = TargetsReader.Read(envelope, what);
        if (next.Header.Version != meta.Version)
            throw new BadVersionException($"targets version {next.Header.Version} does not match version {meta.Version} named by the snapshot");
        if (next.Header.Expires <= _now)
            throw new ExpiredMetadataException($"targets version {next.Header.Version} expired at {ExpiryFormat.Format(next.Header.Expires)}");
        Targets = next;
    }

    /// <summary>
    /// Verifies a delegated targets role against the keys and threshold its delegator gives it, and against
    /// the version, length and hashes the snapshot lists for it. Trusted afterwards through that delegator only.
    /// </summary>
    public TargetsMetadata UpdateDelegatedTargets(ReadOnlySpan<byte> data, string role, string delegator)
    {
        if (Snapshot is null) throw new InvalidOperationException("the snapshot must be loaded before delegated targets");
        var (keys, delegation) = DelegationOf(role, delegator);
        var what = $"delegated role {role} (delegated by {delegator})";
        if (!Snapshot.Meta.TryGetValue($"{role}.json", out var meta))
            throw new MetadataFormatException($"snapshot version {Snapshot.Header.Version} does not list {role}.json");
        CheckLengthAndHashes(data, meta, what);
        var envelope = ReceivedEnvelope.Parse(data, what);
        RequireThreshold(envelope, keys, delegation.Keys, what);
        var next = TargetsReader.Read(envelope, what);
        if (next.Header.Version != meta.Version)
            throw new BadVersionException($"{what} version {next.Header.Version} does not match version {meta.Version} named by the snapshot");
        if (next.Header.Expires <= _now)
            throw new ExpiredMetadataException($"{what} version {next.Header.Version} expired at {ExpiryFormat.Format(next.Header.Expires)}");
        if (_verifiedCopies.TryGetValue(role, out var earlier) && !earlier.Envelope.SignsSameAs(envelope))
            throw new MetadataFormatException($"{what}: differs from the copy of the same version verified through another delegator");
        _verifiedCopies.TryAdd(role, (envelope, next));
        _delegated[(role, delegator)] = _verifiedCopies[role].Metadata;
        return next;
    }

    /// <summary>
    /// Trusts a role whose bytes an earlier delegation already verified in this update through
    /// <paramref name="delegator"/>'s delegation too, if that delegation's keys reach its threshold. Throws
    /// <see cref="UnsignedMetadataException"/> when they do not; false when no verified copy is loaded.
    /// </summary>
    public bool TryTrustVerifiedCopy(string role, string delegator)
    {
        if (!_verifiedCopies.TryGetValue(role, out var copy)) return false;
        var (keys, delegation) = DelegationOf(role, delegator);
        RequireThreshold(copy.Envelope, keys, delegation.Keys, $"delegated role {role} (delegated by {delegator})");
        _delegated[(role, delegator)] = copy.Metadata;
        return true;
    }

    private (IReadOnlyDictionary<string, PublicKey> Keys, DelegatedRole Delegation) DelegationOf(string role, string delegator)
    {
        var parent = DelegatorMetadata(delegator)
            ?? throw new InvalidOperationException($"the delegating role {delegator} is not loaded");
        var delegation = parent.Delegations?.Roles.FirstOrDefault(r => r.Name == role)
            ?? throw new MetadataFormatException($"{delegator} does not delegate to {role}");
        return (parent.Delegations!.Keys, delegation);
    }

    /// <summary>The delegator's delegations are the same whichever edge verified it (same bytes).</summary>
    private TargetsMetadata? DelegatorMetadata(string delegator)
        => delegator == RoleNames.Targets ? Targets : _verifiedCopies.TryGetValue(delegator, out var copy) ? copy.Metadata : null;

    private void RequireTimestampNotExpired()
    {
        if (Timestamp!.Header.Expires <= _now)
            throw new ExpiredMetadataException($"timestamp version {Timestamp.Header.Version} expired at {ExpiryFormat.Format(Timestamp.Header.Expires)}");
    }

    private static void CheckLengthAndHashes(ReadOnlySpan<byte> data, MetaFile expected, string what)
    {
        if (expected.Length is { } length && data.Length != length)
            throw new ContentMismatchException($"{what}: {data.Length} bytes received, the signed length is {length}");
        if (expected.Hashes is { } hashes)
            Hashing.CheckKnownHashes(data, hashes, what);
    }

    private static void RequireThreshold(SignedEnvelope envelope, IReadOnlyDictionary<string, PublicKey> keys, RoleKeys role, string what)
        // Parsed here and never modified: the received bytes are what was signed.
        => RequireThreshold(envelope.CountValidSignaturesOverReceivedBytes(keys, role.KeyIds), role, what);

    private static void RequireThreshold(ReceivedEnvelope envelope, IReadOnlyDictionary<string, PublicKey> keys, RoleKeys role, string what)
        => RequireThreshold(envelope.CountValidSignatures(keys, role.KeyIds), role, what);

    private static void RequireThreshold(int valid, RoleKeys role, string what)
    {
        if (valid < role.Threshold)
            throw new UnsignedMetadataException($"{what}: {valid} valid signature(s) from authorised keys, threshold is {role.Threshold}");
    }
}
