using Stork.Client.Guests;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Store;

/// <summary>
/// Variants (HOST-STATE.md "Owners and modes"): a file whose exact mode or owner matters (a setuid/setgid/sticky bit,
/// an owner or group other than root) is shared through its own store inode per (content, exact mode, uid, gid),
/// FilesDir/&lt;sha[0..2]&gt;/&lt;sha256&gt;-&lt;mode&gt;-&lt;uid&gt;-&lt;gid&gt;, beside the plain content file. Such an inode
/// carries everything that matters about the file, so guests whose resolved ids are equal may share it, and only
/// those; it is immutable like every store file, which is what makes keeping the write bits of its mode sound.
/// </summary>
public sealed partial class ContentStore
{
    private const int SpecialBits = 0xE00; // setuid, setgid, sticky

    /// <summary>True when an entry can only be shared through a variant: its exact mode or its owner matters.</summary>
    public static bool NeedsVariant(PackageFileEntry entry) =>
        entry.IsFile && !entry.IsConfig && entry.Size > 0 && (!entry.IsRootOwned || (entry.ModeBits & SpecialBits) != 0);

    /// <summary>The variant's store path in a files folder (of any sharing group).</summary>
    public static string VariantPathIn(string filesDir, string sha256, string mode, uint uid, uint gid) =>
        Path.Combine(filesDir, sha256[..2], $"{sha256}-{mode}-{uid}-{gid}");

    /// <summary>The variant of an entry for a guest's resolved ids (0, 0 for root).</summary>
    public string VariantPath(PackageFileEntry entry, uint uid, uint gid) => VariantPathIn(FilesDir, entry.Sha256!, entry.Mode!, uid, gid);

    /// <summary>
    /// The variant a guest file is (the store path named by its content, mode and the file's own ids, holding the same
    /// inode), or null. A variant's ids cannot change while it is immutable, so its name and its inode agree.
    /// </summary>
    public static string? VariantOf(string filesDir, string sha256, string mode, FileStatus guestFile)
    {
        if (!guestFile.IsRegularFile || guestFile.LinkCount < 2) return null;
        var path = VariantPathIn(filesDir, sha256, mode, guestFile.Uid, guestFile.Gid);
        return Native.LStat(path) is { } variant && variant.IsSameFileAs(guestFile) ? path : null;
    }

    public string? VariantOf(string sha256, string mode, FileStatus guestFile) => VariantOf(FilesDir, sha256, mode, guestFile);

    /// <summary>True for a store file name that is a variant (four dash-separated parts) rather than a plain content file.</summary>
    public static bool IsVariantName(string fileName) => fileName.Count(c => c == '-') == 3;

    /// <summary>
    /// The variant of <paramref name="entry"/> for a guest's resolved ids (0, 0 for root), made if missing. An existing one
    /// is trusted by stat when immutable (nobody could change it since it was made) unless <paramref name="rehash"/>
    /// (repair); otherwise it is re-hashed, and a damaged one is moved aside to the temp folder (gc deletes it; guests
    /// still linking it show drift, and repair links them to the new one). Call with the store lock held (shared).
    /// </summary>
    public string EnsureVariant(PackageFileEntry entry, uint uid, uint gid, StoreGuard guard, bool rehash)
    {
        var path = VariantPath(entry, uid, gid);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (Native.LStat(path) is { } existing)
            {
                bool matches = existing.IsRegularFile && existing.Size == entry.Size && existing.Permissions == entry.ModeBits
                    && existing.Uid == uid && existing.Gid == gid;
                if (matches && (existing.IsImmutable && !rehash || Hashing.Sha256HexOfFile(path) == entry.Sha256))
                {
                    if (!existing.IsImmutable) guard.Protect(path); // a crash between making and protecting it
                    return path;
                }
                var aside = Path.Combine(TempDir, $"{entry.Sha256}-damaged-{Guid.NewGuid():N}");
                guard.RunLifted(() => Native.Rename(path, aside), path);
                continue;
            }
            if (TryMakeVariant(entry, uid, gid, path, guard)) return path;
        }
        throw new LocalException($"store variant '{path}' keeps changing while it is being made (another process?); run: stork-get verify");
    }

    // A fresh copy of the verified content file (never a guest's inode), owner then mode set on its descriptor (chown
    // clears set-id bits), made durable, then given its name with link(2), which never replaces: a variant another
    // process made meanwhile wins. False when that happened.
    private bool TryMakeVariant(PackageFileEntry entry, uint uid, uint gid, string path, StoreGuard guard)
    {
        var content = PathFor(entry);
        var temp = Path.Combine(TempDir, $"{entry.Sha256}-variant-{Guid.NewGuid():N}");
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                using (var input = new FileStream(content, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.SequentialScan))
                    input.CopyTo(output, 1 << 16);
                output.Flush();
                output.Position = 0;
                if (Hashing.Sha256Hex(output) != entry.Sha256)
                    throw new LocalException($"store file '{content}' does not match its name; run: stork-get verify; stork-get repair");
                int errno = GuestSyscalls.Fchown(output.SafeFileHandle, uid, gid);
                if (errno == 0) errno = GuestSyscalls.Fchmod(output.SafeFileHandle, entry.ModeBits);
                if (errno != 0) throw new LocalException($"cannot set owner {uid}:{gid} and mode {entry.Mode} on store variant '{temp}': {GuestSyscalls.Describe(errno)}");
                output.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var arming = new StoreArming(_paths).Record([path]);
            try { Native.Link(temp, path); }
            catch (IOException e) when (e.HResult == EEXIST) { return false; }
            NativeFs.TryUnlink(temp); // before the flag: an immutable inode's other names cannot be unlinked
            NamedCrashPoint.Hit(NamedCrashPoint.StoreRenamedNotProtected);
            guard.Protect(path);
            return true;
        }
        finally
        {
            NativeFs.TryUnlink(temp);
        }
    }

    private const int EEXIST = 17;
}
