using Stork.Format.Crypto;
using Stork.Format.Errors;

namespace Stork.Client.Store;

/// <summary>
/// Dpkg registration files (HOST-STATE.md "Debian guests"): the /var/lib/dpkg/info/NAME.list and NAME.md5sums Stork
/// writes for a package depend on the package only, so in an immutable store they are store files like any other,
/// FilesDir/&lt;sha[0..2]&gt;/&lt;sha256&gt;-dpkg (named by their own content, mode 0444, immutable), hard-linked into every
/// guest that hard-links package files. Only Stork links them, so, as variants, one lives while a guest links it.
/// The md5sums of a package take hashing every file; which store file holds them is remembered per package content
/// (store/dpkg-md5sums/KEY, KEY the sha256 of the package's file hashes and paths), so that is done once per host.
/// </summary>
public sealed partial class ContentStore
{
    private const string RegistrationSuffix = "-dpkg";
    private const int RegistrationPermissions = 0x124; // 0444

    /// <summary>True for a store file name that is a dpkg registration file.</summary>
    public static bool IsRegistrationName(string fileName) => fileName.EndsWith(RegistrationSuffix, StringComparison.Ordinal);

    public string RegistrationPath(string sha256) => Path.Combine(FilesDir, sha256[..2], sha256 + RegistrationSuffix);

    /// <summary>
    /// The registration store file holding exactly <paramref name="content"/>, made if missing. An existing one is
    /// trusted by stat when immutable, otherwise re-hashed; a damaged one is moved aside (gc deletes it, verify shows
    /// the guests still linking it). Call with the store lock held (shared).
    /// </summary>
    public string EnsureRegistration(byte[] content, StoreGuard guard)
    {
        var sha = Hashing.Sha256Hex(content);
        var path = RegistrationPath(sha);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (Native.LStat(path) is { } existing)
            {
                if (existing.IsRegularFile && existing.Size == content.Length && existing.Permissions == RegistrationPermissions
                    && (existing.IsImmutable || Hashing.Sha256HexOfFile(path) == sha))
                {
                    if (!existing.IsImmutable) guard.Protect(path);
                    return path;
                }
                var aside = Path.Combine(TempDir, $"{sha}-damaged-{Guid.NewGuid():N}");
                guard.RunLifted(() => Native.Rename(path, aside), path);
                continue;
            }
            var temp = Path.Combine(TempDir, $"{sha}-dpkg-{Guid.NewGuid():N}");
            try
            {
                using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    output.Write(content);
                    output.Flush(flushToDisk: true);
                }
                Guests.UnixPermissions.Set(temp, RegistrationPermissions);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var arming = new StoreArming(_paths).Record([path]);
                try { Native.Link(temp, path); }
                catch (IOException e) when (e.HResult == EEXIST) { continue; } // another process made it meanwhile
                NativeFs.TryUnlink(temp); // before the flag: an immutable inode's other names cannot be unlinked
                guard.Protect(path);
                return path;
            }
            finally
            {
                NativeFs.TryUnlink(temp);
            }
        }
        throw new LocalException($"store file '{path}' keeps changing while it is being made (another process?); run: stork-get verify");
    }

    private string Md5SumsIndexDir => Path.Combine(Path.GetDirectoryName(_paths.FilesDir)!, "dpkg-md5sums");

    /// <summary>The registration store file remembered for a package's md5sums, when it is still there and intact-looking.</summary>
    public string? KnownMd5Sums(string key)
    {
        string sha;
        try { sha = File.ReadAllText(Path.Combine(Md5SumsIndexDir, key)).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)) return null;
        var path = RegistrationPath(sha);
        return Native.LStat(path) is { IsRegularFile: true } s && (s.IsImmutable || Hashing.Sha256HexOfFile(path) == sha) ? path : null;
    }

    /// <summary>Remembers which content a package's md5sums have (written by rename: a reader sees the old or the new).</summary>
    public void RememberMd5Sums(string key, string storeFile)
    {
        Directory.CreateDirectory(Md5SumsIndexDir);
        var temp = Path.Combine(Md5SumsIndexDir, $".{key}-{Guid.NewGuid():N}");
        File.WriteAllText(temp, Path.GetFileName(storeFile)[..64]);
        File.Move(temp, Path.Combine(Md5SumsIndexDir, key), overwrite: true);
    }

    /// <summary>gc: forgets md5sums whose store file is gone (made again, by hashing, when next needed).</summary>
    public static int PruneMd5SumsIndex(HostPaths paths)
    {
        var dir = Path.Combine(Path.GetDirectoryName(paths.FilesDir)!, "dpkg-md5sums");
        if (!Directory.Exists(dir)) return 0;
        int pruned = 0;
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            string sha;
            try { sha = File.ReadAllText(file).Trim(); }
            catch (IOException) { continue; }
            bool present = sha.Length == 64 && AllFilesDirs(paths).Any(d => File.Exists(Path.Combine(d, sha[..2], sha + RegistrationSuffix)));
            if (!present) { File.Delete(file); pruned++; }
        }
        return pruned;
    }
}
