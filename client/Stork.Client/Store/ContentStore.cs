using Stork.Format.Crypto;
using Stork.Client.State;
using Stork.Format.Packages;

namespace Stork.Client.Store;

/// <summary>
/// Content-addressed file store: each distinct (content, mode) exists once as FilesDir/&lt;sha[0..2]&gt;/&lt;sha256&gt;-&lt;mode&gt;,
/// read-only, shared by every package version and guest through hard links.
/// Files enter only after the package reader verified their hash, via temp file + rename, so a crash never leaves
/// a partial store file under a final name.
/// </summary>
public sealed partial class ContentStore
{
    private const int WriteBits = 0x92; // 0222

    private readonly HostPaths _paths;

    /// <summary>The store of the default sharing group (store/files).</summary>
    public ContentStore(HostPaths paths) : this(paths, ShareGroups.Default)
    {
    }

    /// <summary>
    /// The store files a sharing group links: the default group's are store/files, any other group's are its own
    /// verified copies under store/groups/GROUP, with the same layout, so no inode is shared across groups.
    /// </summary>
    public ContentStore(HostPaths paths, string shareGroup)
    {
        _paths = paths;
        if (!ShareGroups.IsValid(shareGroup)) throw new ArgumentException($"'{shareGroup}' is not a sharing group name", nameof(shareGroup));
        ShareGroup = shareGroup;
        FilesDir = GroupFilesDir(paths, shareGroup);
        var storeDir = Path.GetDirectoryName(paths.FilesDir)!;
        Directory.CreateDirectory(FilesDir);
        Directory.CreateDirectory(TempDir);
        // Store files may be setuid; only root should be able to reach them through the store path.
        Guests.UnixPermissions.Set(storeDir, 0x1C0 /* 0700 */);
        // The start of any change: files a crashed change left without their immutable flag get it back.
        new StoreArming(paths).ReArmAbandoned();
    }

    /// <summary>The store a guest's files come from: that of its sharing group.</summary>
    public static ContentStore For(HostPaths paths, GuestRecord guest) => new(paths, guest.ShareGroup);

    /// <summary>Where the files of a sharing group live.</summary>
    public static string GroupFilesDir(HostPaths paths, string shareGroup) =>
        shareGroup == ShareGroups.Default ? paths.FilesDir : Path.Combine(GroupsDir(paths), shareGroup);

    /// <summary>The folder holding one folder per non-default sharing group.</summary>
    public static string GroupsDir(HostPaths paths) => Path.Combine(Path.GetDirectoryName(paths.FilesDir)!, "groups");

    /// <summary>Every store files folder: the default group's, then each other group's.</summary>
    public static IEnumerable<string> AllFilesDirs(HostPaths paths) =>
        Directory.Exists(GroupsDir(paths)) ? Directory.EnumerateDirectories(GroupsDir(paths)).Prepend(paths.FilesDir) : [paths.FilesDir];

    public string ShareGroup { get; }

    private string TempDir => Path.Combine(FilesDir, "tmp");

    /// <summary>A fresh name in the store's temp folder (same filesystem as the store).</summary>
    public string NewTempPath() => Path.Combine(TempDir, $"probe-{Guid.NewGuid():N}");

    public string FilesDir { get; }

    public string PathFor(string sha256, string mode) => Path.Combine(FilesDir, sha256[..2], $"{sha256}-{mode}");

    public string PathFor(PackageFileEntry file) => PathFor(file.Sha256!, file.Mode!);

    /// <summary>
    /// The store file (any mode, or a variant) with content <paramref name="sha256"/> whose inode is <paramref name="status"/>'s,
    /// or null. Looks at one shard folder of host-owned names only; the inode comparison is what identifies it.
    /// </summary>
    public string? FindByInode(string sha256, FileStatus status)
    {
        // Variants share the shard; a damaged one moved aside waits in the temp folder, still linked by guests.
        foreach (var dir in new[] { Path.Combine(FilesDir, sha256[..2]), TempDir })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, sha256 + "-*"))
                if (Native.LStat(file) is { IsRegularFile: true } stored && stored.IsSameFileAs(status)) return file;
        }
        return null;
    }

    /// <summary>Store files keep their manifest mode minus the write bits.</summary>
    public static int StoredPermissions(string mode) => FileModes.Parse(mode) & ~WriteBits;

    /// <summary>True when the store holds an intact-looking copy (right type, size and mode) of the entry.</summary>
    public bool Contains(PackageFileEntry file)
    {
        var status = Native.LStat(PathFor(file));
        return status is { IsRegularFile: true } s && s.Size == file.Size && s.Permissions == StoredPermissions(file.Mode!);
    }

    /// <summary><see cref="Contains"/>, and the file is immutable, so nobody can have changed it since it was verified.</summary>
    public bool ContainsImmutable(PackageFileEntry file)
        => Native.LStat(PathFor(file)) is { IsRegularFile: true, IsImmutable: true } s && s.Size == file.Size && s.Permissions == StoredPermissions(file.Mode!);

    /// <summary>
    /// <see cref="Contains"/> plus a content hash check. Store files are shared with guests through hard links, so
    /// root inside one guest could alter one; re-hashing before reuse keeps that from spreading to new installs.
    /// </summary>
    public bool ContainsIntact(PackageFileEntry file)
    {
        if (!Contains(file)) return false;
        using var stream = new FileStream(PathFor(file), FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.SequentialScan);
        return Hashing.Sha256Hex(stream) == file.Sha256;
    }

    /// <summary>
    /// Reads a whole package blob, verifying every entry, and adds its non-empty regular files to the store
    /// (replacing a store file whose content no longer matches). Returns the manifest and how much was new.
    /// </summary>
    public IngestResult Ingest(string blobPath, string expectedName, string expectedVersion)
    {
        using var extracted = Extract(blobPath, expectedName, expectedVersion);
        Commit([extracted]);
        return extracted.Result;
    }

    /// <summary>
    /// First half of <see cref="Ingest"/>: verifies the blob and writes its new files to temporaries in the store's
    /// temp folder. Nothing has a final name yet; disposing the result deletes what <see cref="Commit"/> did not take.
    /// The caller holds the store lock until the commit (gc clears the temp folder).
    /// </summary>
    public ExtractedBlob Extract(string blobPath, string expectedName, string expectedVersion)
    {
        using var reader = PackageReader.Open(blobPath);
        var manifest = reader.Manifest;
        if (manifest.Name != expectedName || manifest.Version != expectedVersion)
            throw new PackageFormatException($"blob '{blobPath}' holds {manifest.Label}, expected {expectedName} {expectedVersion}")
            { Package = manifest.Label };

        var extracted = new ExtractedBlob(manifest);
        try
        {
            while (reader.ReadNext() is { } entry)
            {
                if (!entry.IsFile || entry.Size == 0) continue;
                if (extracted.Pending.Any(p => p.Entry.Sha256 == entry.Sha256 && p.Entry.Mode == entry.Mode) || ContainsIntact(entry))
                    continue; // skipped content is still verified, by the next ReadNext
                var temp = Path.Combine(TempDir, $"{entry.Sha256}-{Guid.NewGuid():N}");
                extracted.Pending.Add((temp, entry));
                using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    reader.CopyContentTo(output); // throws before anything is renamed if the content does not match
                    output.Flush();
                    // Disk writes start now, overlapping the rest of the batch; the commit's flush then waits little.
                    NativeFs.StartWriteback(output.SafeFileHandle);
                }
            }
        }
        catch
        {
            extracted.Dispose();
            throw;
        }
        return extracted;
    }

    /// <summary>
    /// Second half of <see cref="Ingest"/>, for one blob or many: makes every temporary durable (one step for the
    /// whole batch), then renames each into place read-only (and immutable). A file another blob of the batch
    /// already brought is dropped.
    /// </summary>
    public void Commit(IReadOnlyList<ExtractedBlob> batch)
    {
        MakeDurable(batch.SelectMany(b => b.Pending).Select(p => p.Temp).ToList());
        var guard = new StoreGuard(_paths);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        // A crash between a rename and its protection leaves a mutable store file: the arming record lets the
        // next change, recover or repair protect it.
        using var arming = new StoreArming(_paths).Record(batch.SelectMany(b => b.Pending).Select(p => PathFor(p.Entry)).Distinct().ToList());
        foreach (var blob in batch)
            foreach (var (temp, entry) in blob.Pending)
            {
                var final = PathFor(entry);
                if (!placed.Add(final)) continue; // same content in two blobs of the batch: the first one's is in place
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                Guests.UnixPermissions.Set(temp, StoredPermissions(entry.Mode!));
                guard.Run(() => Native.Rename(temp, final), final);
                NamedCrashPoint.Hit(NamedCrashPoint.StoreRenamedNotProtected);
                guard.Protect(final);
                blob.Added(entry.Size!.Value);
            }
    }

    // Up to this many new files are fsynced one by one; more take one syncfs (one journal flush for all of them).
    // syncfs also waits for every other process's dirty data on the filesystem, which only pays off for big batches.
    private const int FsyncEachUpTo = 16;

    private static void MakeDurable(IReadOnlyList<string> files)
    {
        if (files.Count == 0) return;
        if (files.Count > FsyncEachUpTo)
        {
            NativeFs.SyncFileSystemOf(files[0]);
            return;
        }
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
            stream.Flush(flushToDisk: true);
        }
    }
}

/// <summary>Outcome of <see cref="ContentStore.Ingest"/>.</summary>
public sealed record IngestResult(PackageManifest Manifest, int FilesAdded, long BytesAdded);
