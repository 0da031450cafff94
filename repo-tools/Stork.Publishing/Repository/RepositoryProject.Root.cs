using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Publishing.Repository;

/// <summary>
/// Root changes. Every change produces root version N+1, which must carry a threshold of signatures by the
/// root keys of version N and a threshold by its own root keys (what clients check). When the root keys are
/// offline, the change is staged in <c>staged-root.json</c>, exported, signed elsewhere and imported.
/// </summary>
public sealed partial class RepositoryProject
{
    public const string StagedRootFile = "staged-root.json";

    public string StagedRootPath => Path.Combine(Directory, StagedRootFile);

    public bool HasStagedRoot => File.Exists(StagedRootPath);

    /// <summary>The staged next root (with the signatures gathered so far), or a fresh N+1 copy of the current root.</summary>
    public SignedEnvelope DraftRoot()
    {
        if (HasStagedRoot)
        {
            SignedEnvelope staged;
            RootMetadata stagedRoot;
            try
            {
                staged = SignedEnvelope.Parse(File.ReadAllBytes(StagedRootPath), StagedRootPath);
                stagedRoot = RootMetadata.FromSigned(staged.Signed, StagedRootPath);
            }
            catch (MetadataFormatException e) { throw new PublisherException($"{StagedRootPath} is damaged: {e.Message}; delete it to start over", e); }
            // A root published since the change was staged makes the staged version number wrong.
            var expected = CurrentRoot().Header.Version + 1;
            if (stagedRoot.Header.Version != expected)
                throw new PublisherException($"{StagedRootPath} holds root version {stagedRoot.Header.Version} but the next version is {expected}; delete it and stage the change again");
            return staged;
        }
        var current = CurrentRoot();
        var next = current with { Header = current.Header with { Version = current.Header.Version + 1, Expires = Now + Settings.RootExpiry, SpecVersion = RoleNames.SpecVersion } };
        // Round-trip through bytes: the readers expect parsed JSON numbers, not the CLR values ToSigned puts in.
        return SignedEnvelope.Parse(new SignedEnvelope(next.ToSigned()).ToBytes(), "next root");
    }

    public void StageRoot(SignedEnvelope draft) => WriteAtomically(StagedRootPath, draft.ToBytes());

    public void DiscardStagedRoot() => File.Delete(StagedRootPath);

    /// <summary>
    /// Applies <paramref name="edit"/> to the next root. Offline: only stages it (no root key needed).
    /// Online: signs it with the root keys in the key store and publishes it, re-signing affected roles.
    /// </summary>
    public RootChange ChangeRoot(Func<RootMetadata, RootMetadata> edit, bool offline, SigningKeys keys)
    {
        var draft = RootMetadata.FromSigned(DraftRoot().Signed, "next root");
        var edited = edit(draft);
        RoleKeyEditing.Validate(edited);
        // The signed content changed, so signatures gathered for the old draft no longer count.
        var envelope = new SignedEnvelope(edited.ToSigned());
        if (offline)
        {
            StageRoot(envelope);
            return new RootChange(edited.Header.Version, Published: false, []);
        }
        var current = CurrentRoot();
        keys.SignWithAvailable(envelope, current.Role(RoleNames.Root));
        keys.SignWithAvailable(envelope, edited.Role(RoleNames.Root));
        int oldValid = envelope.CountValidSignatures(current.Keys, current.Role(RoleNames.Root).KeyIds);
        int newValid = envelope.CountValidSignatures(edited.Keys, edited.Role(RoleNames.Root).KeyIds);
        if (oldValid < current.Role(RoleNames.Root).Threshold || newValid < edited.Role(RoleNames.Root).Threshold)
            throw new PublisherException(
                $"root version {edited.Header.Version} needs {current.Role(RoleNames.Root).Threshold} signature(s) by the current root keys (have {oldValid}) " +
                $"and {edited.Role(RoleNames.Root).Threshold} by its own root keys (have {newValid}); the root keys are not here. " +
                "Run the command again with --offline, then 'root export', 'sign' where the root keys are, and 'root import'");
        return PublishRoot(envelope, keys);
    }

    /// <summary>Writes the next root (with the gathered signatures plus any root key on this host) for offline signing.</summary>
    public SignedEnvelope ExportRoot(string outPath, SigningKeys keys)
    {
        var envelope = DraftRoot();
        var next = RootMetadata.FromSigned(envelope.Signed, "next root");
        keys.SignWithAvailable(envelope, CurrentRoot().Role(RoleNames.Root));
        keys.SignWithAvailable(envelope, next.Role(RoleNames.Root));
        StageRoot(envelope);
        WriteAtomically(Path.GetFullPath(outPath), envelope.ToBytes());
        return envelope;
    }

    public RootChange ImportRoot(string path, SigningKeys keys)
    {
        if (!File.Exists(path)) throw new PublisherException($"{path} does not exist");
        return PublishRoot(SignedEnvelope.Parse(File.ReadAllBytes(path), path), keys);
    }

    /// <summary>
    /// Publishes root N+1 after checking it exactly as a client would (both thresholds, exact version),
    /// then re-signs the roles whose keys changed and everything below them, so clients follow at once.
    /// </summary>
    public RootChange PublishRoot(SignedEnvelope next, SigningKeys keys)
    {
        var current = CurrentRoot();
        var currentBytes = File.ReadAllBytes(Path.Combine(MetadataDir, RepositoryLayout.VersionedMetadata(RoleNames.Root, current.Header.Version)));
        var trusted = new TrustedMetadata(currentBytes, Now);
        var nextBytes = next.ToBytes();
        try { trusted.UpdateRoot(nextBytes); }
        catch (RepositoryException e) { throw new RootSignatureException($"the new root is not acceptable to clients: {e.Message}", e); }
        var root = trusted.Root;
        RoleKeyEditing.Validate(root);

        var changed = RoleNames.TopLevel.Where(r => r != RoleNames.Root && !RoleKeyEditing.SameKeys(current.Role(r), root.Role(r))).ToList();
        // Check every re-signing key is here before publishing anything: a root whose timestamp nobody can sign strands clients.
        // The chain below a changed role is re-signed too: targets -> snapshot -> timestamp.
        var toSign = new HashSet<string>(changed);
        if (changed.Count > 0) toSign.Add(RoleNames.Timestamp);
        if (toSign.Contains(RoleNames.Targets)) toSign.Add(RoleNames.Snapshot);
        foreach (var role in toSign)
            if (keys.Available(root.Role(role)) < root.Role(role).Threshold)
                throw new PublisherException($"root version {root.Header.Version} needs role '{role}' re-signed, but only {keys.Available(root.Role(role))} of its keys are here (threshold {root.Role(role).Threshold}); put them in {Keys.Directory} before publishing this root");

        WriteMetadata(RoleNames.Root, root.Header.Version, nextBytes);
        if (changed.Count > 0)
        {
            var targetsChanged = changed.Contains(RoleNames.Targets)
                ? new Dictionary<string, TargetsMetadata> { [RoleNames.Targets] = CurrentTargets() }
                : new Dictionary<string, TargetsMetadata>();
            WriteChain(keys, root, targetsChanged, resignSnapshot: changed.Contains(RoleNames.Snapshot));
        }
        DiscardStagedRoot();
        RetireUnusedKeys(current.Keys.Keys.Where(id => !root.Keys.ContainsKey(id)), root);
        return new RootChange(root.Header.Version, Published: true, changed);
    }
}

public sealed partial class RepositoryProject
{
    /// <summary>Moves private keys that no role uses any more to keys/retired/ (kept, never deleted).</summary>
    private void RetireUnusedKeys(IEnumerable<string> candidates, RootMetadata root)
    {
        var stillUsed = CurrentRoles(root).SelectMany(r => r.Metadata.Delegations?.Keys.Keys ?? []).ToHashSet(StringComparer.Ordinal);
        foreach (var id in candidates)
            if (!stillUsed.Contains(id) && !root.Keys.ContainsKey(id)) Keys.Retire(id);
    }
}

public sealed record RootChange(long Version, bool Published, IReadOnlyList<string> ResignedRoles);

/// <summary>A root offered for publishing lacks the signatures clients require; a verification failure (exit 3).</summary>
public sealed class RootSignatureException(string message, Exception? inner = null) : RepositoryException(message, inner);
