using System.Security.Cryptography;
using System.Text;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Carries out a plan on one guest as a journaled transaction (see format-spec/HOST-STATE.md):
/// 1. the journal (desired set + every step) is written to SQLite in state "staging";
/// 2. staging: new directories are created and every new file, symlink and PATH.stork-new is made, exclusively,
///    under a random-looking name beside its target (derived from the secret transaction id, which only the host
///    database holds, so recovery finds it and a guest cannot guess it);
/// 3. the commit point: the journal state becomes "committing";
/// 4. apply: temporaries are renamed over their targets, left-over paths removed, modes fixed;
/// 5. one SQLite transaction records the new packages, owned files and generation, and drops the journal.
/// A crash before 3 is rolled back, after 3 rolled forward (every apply step is idempotent and can be redone
/// from the store), by recovery, which every later change to the guest runs first.
/// Every guest file operation goes through <see cref="GuestRoot"/>: nothing is opened by a host path into the guest.
/// </summary>
internal sealed class GuestTransaction(GuestRoot root, ContentStore store, StoreGuard guard, LinkMode linkMode, string txId,
    IReadOnlyList<OwnedFile>? ownedBefore = null)
{
    public int FilesLinked { get; private set; }
    public int FilesCopied { get; private set; }
    public long BytesLinked { get; private set; }
    public long BytesCopied { get; private set; }
    public int FilesRemoved { get; private set; }
    public List<string> KeptConfigs { get; } = [];

    /// <summary>Files of removed packages whose directory was missing or not a directory (see <see cref="RemoveFile"/>).</summary>
    public List<string> Unreached { get; } = [];

    public string TxId => txId;

    // The guest's accounts, read when the first file with an owner other than root is written (§3.1).
    private GuestAccounts? _accounts;

    private GuestOwner? OwnerOf(PackageFileEntry entry) =>
        entry.IsRootOwned ? null : (_accounts ??= GuestAccounts.Read(root)).OwnerOf(entry);

    // Plan steps whose temporary this object staged: apply need not look for them (recovery, a new object, does).
    private readonly HashSet<int> _staged = [];

    private readonly Dictionary<string, OwnedFile> _before = (ownedBefore ?? [])
        .Where(f => f.Type == PackageFileKind.File && f.Size > 0 && !f.Config)
        .GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The store files this plan shares into the guest.</summary>
    public IEnumerable<string> SharedStoreFiles(IReadOnlyList<FileAction> actions) => actions.Select(NewStoreFile).OfType<string>();

    /// <summary>128 random bits. Never shown inside a guest: staging names are derived from it.</summary>
    public static string NewTxId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private string StagedPath(FileAction action, int seq)
    {
        var (dir, _) = GuestRoot.Split(action.WritePath);
        var name = ".stork-" + Hashing.Sha256Hex(Encoding.UTF8.GetBytes($"{txId}/{seq}"))[..24];
        return dir.Length == 0 ? name : dir + "/" + name;
    }

    /// <summary>Existing variants are re-hashed before they are linked (repair), not trusted for being immutable.</summary>
    public bool RehashVariants { get; init; }

    // The store file a shared path of the guest was linked from before this change (its inode may need lifting to be
    // replaced): the plain content file, or the variant the guest file is (named by its own ids; only a file with ids
    // other than root's or a set-id bit can be one).
    private string? PreviousStoreFile(string path)
    {
        if (!_before.TryGetValue(path, out var old)) return null;
        if (root.LStat(path) is { LinkCount: > 1 } s && (s.Uid != 0 || s.Gid != 0 || (s.Permissions & 0xE00) != 0)
            && store.VariantOf(old.Sha256!, old.Mode!, s) is { } variant)
            return variant;
        return store.PathFor(old.Sha256!, old.Mode!);
    }

    private string? NewStoreFile(FileAction action) =>
        action.Kind != FileActionKind.Share || linkMode != LinkMode.HardLink ? null
        : ContentStore.NeedsVariant(action.Entry) ? store.VariantPath(action.Entry, OwnerOf(action.Entry)?.Uid ?? 0, OwnerOf(action.Entry)?.Gid ?? 0)
        : store.PathFor(action.Entry);

    /// <summary>Step 2. Throws after undoing what it did.</summary>
    public void Stage(IReadOnlyList<FileAction> actions)
    {
        try
        {
            for (int i = 0; i < actions.Count; i++)
            {
                var action = actions[i];
                CrashPoints.Hit();
                if (action.Kind == FileActionKind.Directory)
                {
                    if (!root.ParentsExist(action.Path)) continue; // under a path that becomes a directory: at apply
                    if (root.LStat(action.Path) is null)
                    {
                        root.CreateDirectory(action.Path, action.Entry.ModeBits, OwnerOf(action.Entry));
                        _staged.Add(i);
                    }
                    continue;
                }
                if (!action.Writes) continue;
                if (!root.ParentsExist(action.WritePath)) continue; // under a path that becomes a directory, or a new one: at apply
                Create(action, StagedPath(action, i));
                _staged.Add(i);
            }
        }
        catch (Exception e) when (e is not SimulatedCrashException)
        {
            Rollback(actions);
            throw;
        }
    }

    /// <summary>Undoes staging: temporaries deleted, directories created by staging removed (when empty).</summary>
    public void Rollback(IReadOnlyList<FileAction> actions)
    {
        for (int i = 0; i < actions.Count; i++)
        {
            if (!actions[i].Writes) continue;
            var staged = StagedPath(actions[i], i);
            if (root.LStat(staged) is { IsDirectory: false }) Unlink(staged, NewStoreFile(actions[i]));
        }
        for (int i = actions.Count - 1; i >= 0; i--)
            if (actions[i] is { Kind: FileActionKind.Directory, Existed: false } dir)
                root.TryRemoveDirectory(dir.Path);
    }

    /// <summary>Step 4: idempotent, so recovery can run it again from the start.</summary>
    public void Apply(IReadOnlyList<FileAction> actions)
    {
        for (int i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            CrashPoints.Hit();
            switch (action.Kind)
            {
                case FileActionKind.Directory:
                    if (_staged.Contains(i)) break; // made by this object's staging, with its mode
                    if (root.LStat(action.Path) is { IsDirectory: false } old)
                    {
                        if (old.IsSymlink && root.IsDirectory(action.Path)) break; // a directory symlink inside the guest (merged /usr)
                        Unlink(action.Path, PreviousStoreFile(action.Path)); // an old package's file or symlink
                    }
                    root.CreateDirectory(action.Path, action.Entry.ModeBits, OwnerOf(action.Entry));
                    break;
                case FileActionKind.KeepConfig:
                    KeptConfigs.Add("/" + action.Path);
                    break;
                case FileActionKind.Remove:
                    RemoveFile(action);
                    break;
                case FileActionKind.RemoveDirectory:
                    if (root.LStat(action.Path) is { IsDirectory: true } && root.TryRemoveDirectory(action.Path)) FilesRemoved++;
                    break;
                default:
                    if (action.Kind == FileActionKind.KeepConfigWriteNew) KeptConfigs.Add("/" + action.Path);
                    var target = action.WritePath;
                    var staged = StagedPath(action, i);
                    var shared = NewStoreFile(action);
                    if (!_staged.Contains(i) && root.LStat(staged) is null)
                    {
                        if (shared is not null
                            && root.LStat(target) is { } t && Native.LStat(shared) is { } s && t.IsSameFileAs(s))
                            break; // done before a crash
                        Create(action, staged);
                    }
                    // A staged hard link of an immutable store inode cannot be renamed without lifting: lift at once.
                    Guarded(() => Check(root.TryRename(staged, target), "rename", target), target, liftFirst: shared is not null,
                        shared, PreviousStoreFile(target));
                    break;
            }
        }
    }

    private void Check(int errno, string operation, string path)
    {
        if (errno == 0) return;
        if (errno == GuestSyscalls.EPERM) throw new InodeImmutableException($"{operation} '/{path}': EPERM");
        throw root.Failed(operation, path, errno);
    }

    // Runs a guest operation that may meet an immutable store inode; EPERM that lifting does not cure is the guest's own flag.
    private void Guarded(Action operation, string path, bool liftFirst, params string?[] storeFiles)
    {
        try
        {
            if (liftFirst) guard.RunLifted(operation, storeFiles);
            else guard.Run(operation, storeFiles);
            return;
        }
        catch (InodeImmutableException) when (UnlistedStoreFile(path, storeFiles) is { } found)
        {
            storeFiles = [.. storeFiles, found];
        }
        catch (InodeImmutableException) { throw root.Failed("change", path, GuestSyscalls.EPERM); }
        try { guard.RunLifted(operation, storeFiles); }
        catch (InodeImmutableException) { throw root.Failed("change", path, GuestSyscalls.EPERM); }
    }

    /// <summary>
    /// The store inode at <paramref name="path"/> when it is none of <paramref name="known"/>: a file of an earlier
    /// change that a guest hid (a directory swapped away) while Stork removed it, so no package owns it any more,
    /// yet it is still an immutable store inode that only lifting lets anyone replace. Found by the content's hash
    /// and confirmed by inode in this guest's store; a guest file that merely looks alike is not a store inode.
    /// Or a damaged variant that was moved aside (<see cref="ContentStore.EnsureVariant"/>): found by the hash the
    /// file should have had, since its content is no longer that.
    /// </summary>
    private string? UnlistedStoreFile(string path, string?[] known)
    {
        if (!guard.Immutable || root.LStat(path) is not { IsRegularFile: true, IsImmutable: true, LinkCount: > 1 } status) return null;
        string sha;
        try { sha = root.Sha256(path); }
        catch (Exception e) when (e is GuestException or IOException) { return null; } // swapped for something else meanwhile
        var file = store.FindByInode(sha, status)
            ?? (_before.TryGetValue(path, out var old) && old.Sha256 != sha ? store.FindByInode(old.Sha256!, status) : null);
        return file is not null && !known.Contains(file) ? file : null;
    }

    private void Unlink(string path, string? storeFile) =>
        Guarded(() =>
        {
            int errno = root.TryUnlink(path);
            if (errno != GuestSyscalls.ENOENT) Check(errno, "unlink", path);
        }, path, liftFirst: false, storeFile);

    // A file that is not there is taken as gone: failing would block removing a package whose files the guest
    // deleted itself. When its directory is missing too, the guest may have moved the directory away with the file
    // (a store inode then stays linked in the guest): the path is reported (InstallReport.Unreached), and verify,
    // repair and guest remove --delete-files find such a store inode by walking the guest (GuestOrphans).
    private void RemoveFile(FileAction action)
    {
        var existing = root.LStat(action.Path);
        if (existing is null)
        {
            if (!root.ParentsExist(action.Path)) Unreached.Add("/" + action.Path);
            return;
        }
        if (action.Entry.IsSymlink ? !existing.Value.IsSymlink : !existing.Value.IsRegularFile) return;
        if (action.Entry.IsConfig)
        {
            string? sha;
            try { sha = root.Sha256(action.Path); }
            catch (GuestConflictException) { sha = null; } // swapped for something else meanwhile: leave it alone
            if (sha != action.Entry.Sha256)
            {
                KeptConfigs.Add("/" + action.Path);
                return;
            }
        }
        Unlink(action.Path, PreviousStoreFile(action.Path) ?? (action.Entry.IsFile && action.Entry.Size > 0 ? store.PathFor(action.Entry) : null));
        FilesRemoved++;
    }

    /// <summary>Makes the new content of <paramref name="action"/> at <paramref name="path"/> (a name that must not exist).</summary>
    private void Create(FileAction action, string path)
    {
        var entry = action.Entry;
        switch (action.Kind)
        {
            case FileActionKind.Symlink:
                root.CreateSymlink(entry.Target!, path);
                return;
            case FileActionKind.Empty:
                root.CreateEmpty(path, entry.ModeBits, OwnerOf(entry));
                FilesCopied++;
                return;
            case FileActionKind.Share when linkMode == LinkMode.HardLink:
                // A file whose exact mode or owner matters links the immutable variant of its mode and this guest's ids.
                var storeFile = ContentStore.NeedsVariant(entry) ? store.EnsureVariant(entry, OwnerOf(entry)?.Uid ?? 0, OwnerOf(entry)?.Gid ?? 0, guard, RehashVariants) : store.PathFor(entry);
                try
                {
                    guard.RunLifted(() =>
                    {
                        int errno = root.TryLinkFromStore(storeFile, path);
                        if (errno == GuestSyscalls.EEXIST) throw root.Planted(path);
                        Check(errno, "link", path);
                    }, storeFile);
                }
                catch (InodeImmutableException)
                {
                    throw new LocalException($"store file '{storeFile}' cannot be hard-linked (EPERM) although its immutable flag was lifted; run: stork-get verify");
                }
                FilesLinked++;
                BytesLinked += entry.Size ?? 0;
                return;
            case FileActionKind.Share when linkMode == LinkMode.Reflink:
                int errno = root.TryReflinkFromStore(store.PathFor(entry), path, entry.ModeBits);
                if (errno != 0)
                    throw new GuestException($"guest '{root.Name}': reflink of '/{entry.Path}' failed (errno {errno}) although the guest uses reflinks; " +
                        $"change its link mode with: stork-get guest set-link-mode {root.Name} copy");
                FilesLinked++;
                BytesLinked += entry.Size ?? 0;
                return;
            default: // Copy, KeepConfigWriteNew, Share in copy mode
                root.CopyFromStore(store.PathFor(entry), path, entry.ModeBits, OwnerOf(entry));
                FilesCopied++;
                BytesCopied += entry.Size ?? 0;
                return;
        }
    }
}
