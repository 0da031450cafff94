using System.Text;
using Stork.Client.Store;
using Stork.Format.Crypto;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Puts a package's dpkg registration files (info/NAME.list, info/NAME.md5sums) into a guest and takes them out.
/// When <paramref name="share"/> (the guest hard-links immutable store files), each is a hard link of the store's
/// registration file (<see cref="ContentStore.EnsureRegistration"/>): linked under a random name, then renamed over the
/// name, through the guest root handle; the immutable flag is lifted from exactly the store inodes involved for each
/// one call (<see cref="StoreGuard"/>). Otherwise each is a private 0644 file, as written before sharing existed.
/// </summary>
internal sealed class RegistrationFiles(ContentStore store, StoreGuard guard, bool share)
{
    public bool Share => share;

    /// <summary>dpkg's .list: "/." then every path of the package, one per line.</summary>
    public static byte[] ListOf(PackageManifest manifest)
    {
        var list = new StringBuilder("/.\n");
        foreach (var entry in manifest.Files) list.Append('/').Append(entry.Path).Append('\n');
        return Encoding.UTF8.GetBytes(list.ToString());
    }

    /// <summary>What determines a package's md5sums: the content and path of each file they list.</summary>
    public static string Md5SumsKey(PackageManifest manifest)
    {
        var text = new StringBuilder("md5sums 1\n");
        foreach (var entry in Md5SummedFiles(manifest)) text.Append(entry.Sha256).Append("  ").Append(entry.Path).Append('\n');
        return Hashing.Sha256Hex(Encoding.UTF8.GetBytes(text.ToString()));
    }

    public static IEnumerable<PackageFileEntry> Md5SummedFiles(PackageManifest manifest) =>
        manifest.Files.Where(e => e.IsFile && !e.IsConfig && e.Sha256 is not null && e.Mode is not null);

    /// <summary>The store file holding a package's .list.</summary>
    public string ListStoreFile(PackageManifest manifest) => store.EnsureRegistration(ListOf(manifest), guard);

    /// <summary>The store file holding a package's md5sums, computed (every file hashed) only when not remembered or <paramref name="recompute"/>.</summary>
    public string Md5SumsStoreFile(PackageManifest manifest, Func<byte[]> compute, bool recompute)
    {
        var key = Md5SumsKey(manifest);
        if (!recompute && store.KnownMd5Sums(key) is { } known) return known;
        var file = store.EnsureRegistration(compute(), guard);
        store.RememberMd5Sums(key, file);
        return file;
    }

    /// <summary>Makes <paramref name="relative"/> the store file <paramref name="storeFile"/> (shared) or a private copy of <paramref name="content"/>.</summary>
    public void Put(GuestRoot root, string relative, string? storeFile, Func<byte[]> content)
    {
        var existing = root.LStat(relative);
        // Shared only when the store file really is immutable (a filesystem without inode flags: private, as variants).
        if (share && storeFile is not null && Native.LStat(storeFile) is { IsImmutable: true } stored)
        {
            if (existing is { } e && e.IsSameFileAs(stored)) return; // already this one
            var temp = TempName(relative);
            root.CreateDirectories(GuestRoot.Split(relative).Dir); // info/ of a dpkg database that has only its status
            guard.RunLifted(() =>
            {
                int errno = root.TryLinkFromStore(storeFile, temp);
                if (errno == GuestSyscalls.EPERM) throw new InodeImmutableException($"link '/{temp}': EPERM");
                if (errno != 0) throw root.Failed("link", temp, errno);
            }, storeFile);
            Replace(root, temp, relative, existing, storeFile);
            return;
        }
        var bytes = content();
        var previous = existing is { } old ? StoreFileOf(root, relative, old) : null;
        if (previous is null)
        {
            root.WriteFile(relative, bytes, 0x1A4 /* 0644 */);
            return;
        }
        var privateTemp = TempName(relative);
        root.WriteFile(privateTemp, bytes, 0x1A4 /* 0644 */);
        Replace(root, privateTemp, relative, existing, null);
    }

    /// <summary>Unlinks a registration file (a missing one is gone already).</summary>
    public void Remove(GuestRoot root, string relative)
    {
        if (root.LStat(relative) is not { } existing) return;
        var previous = StoreFileOf(root, relative, existing);
        Run(root, () =>
        {
            int errno = root.TryUnlink(relative);
            if (errno == GuestSyscalls.EPERM) throw new InodeImmutableException($"unlink '/{relative}': EPERM");
            if (errno is not (0 or GuestSyscalls.ENOENT)) throw root.Failed("unlink", relative, errno);
        }, relative, previous);
    }

    /// <summary>The registration store file a guest file is (same inode), or null: found by its content, confirmed by inode.</summary>
    public string? StoreFileOf(GuestRoot root, string relative, FileStatus status)
    {
        if (!status.IsRegularFile || status.LinkCount < 2) return null;
        string sha;
        try { sha = root.Sha256(relative); }
        catch (Exception e) when (e is GuestException or IOException) { return null; }
        var path = store.RegistrationPath(sha);
        return Native.LStat(path) is { } s && s.IsSameFileAs(status) ? path : null;
    }

    // rename(2) moving an immutable inode, or over a name whose inode is one, needs both lifted for the call.
    private void Replace(GuestRoot root, string temp, string relative, FileStatus? existing, string? storeFile)
    {
        var previous = existing is { } old ? StoreFileOf(root, relative, old) : null;
        try
        {
            Run(root, () =>
            {
                int errno = root.TryRename(temp, relative);
                if (errno == GuestSyscalls.EPERM) throw new InodeImmutableException($"rename '/{relative}': EPERM");
                if (errno != 0) throw root.Failed("rename", relative, errno);
            }, relative, [.. new[] { storeFile, previous }.OfType<string>().Distinct()]);
        }
        catch
        {
            try
            {
                Run(root, () =>
                {
                    if (root.TryUnlink(temp) == GuestSyscalls.EPERM) throw new InodeImmutableException($"unlink '/{temp}': EPERM");
                }, temp, storeFile);
            }
            catch (GuestException) { } // left for verify (an orphan) and repair; the first failure is the one to report
            throw;
        }
    }

    // EPERM with no store inode to lift (or after lifting it) is the guest's own flag on the file.
    private void Run(GuestRoot root, Action operation, string relative, params string?[] storeFiles)
    {
        var lift = storeFiles.OfType<string>().ToArray();
        try
        {
            if (lift.Length == 0) operation();
            else guard.RunLifted(operation, lift);
        }
        catch (InodeImmutableException) { throw root.Failed("change", relative, GuestSyscalls.EPERM); }
    }

    private static string TempName(string relative)
    {
        var (dir, _) = GuestRoot.Split(relative);
        return dir + "/.stork-write-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    }
}
