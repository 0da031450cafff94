using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Carries out a plan on one guest as a journaled transaction (see format-spec/HOST-STATE.md):
/// 1. the journal (desired set + every step) is written to SQLite in state "staging";
/// 2. staging: new directories are created and every new file, symlink and PATH.stork-new is made under a
///    temporary name beside its target (.stork-TXID-SEQ); any failure here rolls everything back;
/// 3. the commit point: the journal state becomes "committing";
/// 4. apply: temporaries are renamed over their targets, left-over paths removed, modes fixed;
/// 5. one SQLite transaction records the new packages, owned files and generation, and drops the journal.
/// A crash before 3 is rolled back, after 3 rolled forward (every apply step is idempotent and can be redone
/// from the store), by <see cref="Recover"/>, which every later change to the guest runs first.
/// </summary>
internal sealed class GuestTransaction(GuestRecord guest, ContentStore store, StoreGuard guard, string linkMode, string txId)
{
    public int FilesLinked { get; private set; }
    public int FilesCopied { get; private set; }
    public long BytesLinked { get; private set; }
    public long BytesCopied { get; private set; }
    public int FilesRemoved { get; private set; }
    public List<string> KeptConfigs { get; } = [];

    public string TxId => txId;

    // Plan steps whose temporary this object staged: apply need not look for them (recovery, a new object, does).
    private readonly HashSet<int> _staged = [];

    /// <summary>The store files this plan shares into the guest (their immutable flag is lifted once for the batch).</summary>
    public IEnumerable<string> SharedStoreFiles(IReadOnlyList<FileAction> actions) =>
        actions.Where(a => a.Kind == FileActionKind.Share && linkMode == GuestLinkModes.HardLink).Select(a => store.PathFor(a.Entry));

    public static string NewTxId() => Guid.NewGuid().ToString("N")[..12];

    private string Full(string relative) => Path.Combine(guest.Root, relative);

    private string StagedPath(FileAction action, int seq) =>
        Path.Combine(Path.GetDirectoryName(Full(action.WritePath))!, $".stork-{txId}-{seq}");

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
                    if (GuestPaths.FirstNonDirectoryParent(guest.Root, action.Path) is not null) continue; // under a path that becomes a directory: at apply
                    if (Native.LStat(Full(action.Path)) is null)
                    {
                        Directory.CreateDirectory(Full(action.Path));
                        UnixPermissions.Set(Full(action.Path), action.Entry.ModeBits);
                        _staged.Add(i);
                    }
                    continue;
                }
                if (!action.Writes) continue;
                if (!GuestPaths.ParentsExist(guest.Root, action.WritePath)) continue; // under a path that becomes a directory, or a new one: at apply
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
            if (GuestPaths.FirstNonDirectoryParent(guest.Root, actions[i].WritePath) is not null) continue;
            if (Native.LStat(staged) is { IsDirectory: false }) guard.Unlink(staged);
        }
        for (int i = actions.Count - 1; i >= 0; i--)
            if (actions[i] is { Kind: FileActionKind.Directory, Existed: false } dir
                && GuestPaths.FirstNonDirectoryParent(guest.Root, dir.Path) is null)
                NativeFs.TryRmdir(Full(dir.Path));
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
                    GuestPaths.RequireRealParents(guest.Name, guest.Root, action.Path);
                    var full = Full(action.Path);
                    if (Native.LStat(full) is { IsDirectory: false }) guard.Unlink(full); // an old package's file or symlink
                    if (Native.LStat(full) is null) Directory.CreateDirectory(full);
                    UnixPermissions.Set(full, action.Entry.ModeBits);
                    break;
                case FileActionKind.KeepConfig:
                    KeptConfigs.Add("/" + action.Path);
                    break;
                case FileActionKind.Remove:
                    RemoveFile(action);
                    break;
                case FileActionKind.RemoveDirectory:
                    if (GuestPaths.FirstNonDirectoryParent(guest.Root, action.Path) is null && NativeFs.TryRmdir(Full(action.Path))) FilesRemoved++;
                    break;
                default:
                    if (action.Kind == FileActionKind.KeepConfigWriteNew) KeptConfigs.Add("/" + action.Path);
                    GuestPaths.RequireRealParents(guest.Name, guest.Root, action.WritePath);
                    var target = Full(action.WritePath);
                    var staged = StagedPath(action, i);
                    if (!_staged.Contains(i) && Native.LStat(staged) is null)
                    {
                        if (action.Kind == FileActionKind.Share && linkMode == GuestLinkModes.HardLink
                            && Native.LStat(target) is { } t && Native.LStat(store.PathFor(action.Entry)) is { } s && t.IsSameFileAs(s))
                            break; // done before a crash
                        Create(action, staged);
                    }
                    guard.Run(() => Native.Rename(staged, target), staged, target);
                    break;
            }
        }
    }

    private void RemoveFile(FileAction action)
    {
        if (GuestPaths.FirstNonDirectoryParent(guest.Root, action.Path) is not null) return;
        var full = Full(action.Path);
        var existing = Native.LStat(full);
        if (existing is null) return;
        if (action.Entry.IsSymlink ? !existing.Value.IsSymlink : !existing.Value.IsRegularFile) return;
        if (action.Entry.IsConfig && GuestFiles.Sha256Of(full) != action.Entry.Sha256)
        {
            KeptConfigs.Add("/" + action.Path);
            return;
        }
        guard.Unlink(full);
        FilesRemoved++;
    }

    /// <summary>Makes the new content of <paramref name="action"/> at <paramref name="path"/> (which does not exist).</summary>
    private void Create(FileAction action, string path)
    {
        var entry = action.Entry;
        switch (action.Kind)
        {
            case FileActionKind.Symlink:
                File.CreateSymbolicLink(path, entry.Target!);
                return;
            case FileActionKind.Empty:
                File.Create(path).Dispose();
                UnixPermissions.Set(path, entry.ModeBits);
                FilesCopied++;
                return;
            case FileActionKind.Share when linkMode == GuestLinkModes.HardLink:
                var storeFile = store.PathFor(entry);
                guard.Run(() => Native.Link(storeFile, path), storeFile);
                FilesLinked++;
                BytesLinked += entry.Size ?? 0;
                return;
            case FileActionKind.Share when linkMode == GuestLinkModes.Reflink:
                int errno = NativeFs.TryReflink(store.PathFor(entry), path);
                if (errno != 0)
                {
                    NativeFs.TryUnlink(path);
                    throw new GuestException($"guest '{guest.Name}': reflink of '/{entry.Path}' failed (errno {errno}) although the guest uses reflinks; " +
                        $"change its link mode with: stork-get guest set-link-mode {guest.Name} copy");
                }
                UnixPermissions.Set(path, entry.ModeBits);
                FilesLinked++;
                BytesLinked += entry.Size ?? 0;
                return;
            default: // Copy, KeepConfigWriteNew, Share in copy mode
                File.Copy(store.PathFor(entry), path);
                UnixPermissions.Set(path, entry.ModeBits);
                FilesCopied++;
                BytesCopied += entry.Size ?? 0;
                return;
        }
    }
}
