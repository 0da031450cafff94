using Stork.Format.Errors;
using Microsoft.Win32.SafeHandles;
using Stork.Client.State;
using Stork.Client.Store;
using static Stork.Client.Guests.GuestSyscalls;

namespace Stork.Client.Guests;

/// <summary>
/// The only way Stork reaches a guest's files. Holds the guest root open as an O_PATH directory descriptor and
/// resolves every guest-relative path inside it, as a chroot would: symlinks (absolute or relative) and ".." never
/// lead above the root. Parent directories are resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or,
/// where the kernel lacks openat2 (before 5.6) or <see cref="ForceWalk"/> is set, by a component-by-component
/// O_PATH|O_NOFOLLOW walk that follows symlinks itself against the root. The final component is never followed:
/// every change is a *at call relative to the verified parent's descriptor (see GuestRoot.Files.cs).
/// </summary>
public sealed partial class GuestRoot : IDisposable
{
    private readonly SafeFileHandle _root;

    public string Name { get; }

    /// <summary>The root's host path, for messages only: nothing is opened through it after <see cref="Open(string, string)"/>.</summary>
    public string HostPath { get; }

    /// <summary>Tests (and STORK_GUEST_RESOLVE=walk) force the fallback walk, so both resolvers run the same suites.</summary>
    public static bool ForceWalk { get; set; } = Environment.GetEnvironmentVariable("STORK_GUEST_RESOLVE") == "walk";

    private static bool _noOpenat2;

    /// <summary>Which resolver the next lookup uses: "openat2" or "walk".</summary>
    public static string Resolver => ForceWalk || _noOpenat2 ? "walk" : "openat2";

    private GuestRoot(string name, string hostPath, SafeFileHandle root)
    {
        Name = name;
        HostPath = hostPath;
        _root = root;
    }

    public static GuestRoot Open(GuestRecord guest) => Open(guest.Name, guest.Root);

    /// <summary>Opens a guest root; a root that vanished or is no longer a directory is a <see cref="GuestRootMissingException"/>.</summary>
    public static GuestRoot Open(string name, string hostPath)
    {
        int errno = Openat(null, hostPath, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, out var handle);
        if (errno == 0) return new GuestRoot(name, hostPath, handle!);
        if (errno is ENOENT or ENOTDIR or ELOOP) throw new GuestRootMissingException(name, hostPath);
        throw new GuestException($"guest '{name}': cannot open its root '{hostPath}': {Describe(errno)}");
    }

    /// <summary>
    /// The root descriptor opened and checked by <see cref="Open(string, string)"/>, duplicated for a child process
    /// to inherit (the script runner binds or chroots into it through /proc/self/fd/N, so what the runner enters is
    /// this directory, whatever the guest has since done to the path leading to it).
    /// </summary>
    internal SafeFileHandle DuplicateForChild()
    {
        int errno = GuestSyscalls.DuplicateInheritable(_root, out var duplicate);
        if (errno != 0) throw new GuestException($"guest '{Name}': cannot pass its root to the script runner: {Describe(errno)}");
        return duplicate!;
    }

    /// <summary>True when the root directory still exists where it was registered.</summary>
    public static bool Exists(string hostPath) => Native.LStat(hostPath) is { IsDirectory: true };

    public void Dispose() => _root.Dispose();

    /// <summary>
    /// Opens a directory of the guest (O_PATH), resolving every component inside the root; "" is the root.
    /// Returns 0 or the errno: ENOENT (some component missing), ENOTDIR (one is not a directory), ELOOP.
    /// </summary>
    internal int OpenDirectory(string relativeDir, out SafeFileHandle? dir)
    {
        if (TryCachedDirectory(relativeDir, out dir, out int known)) return known;
        return RememberDirectory(relativeDir, ResolveDirectory(relativeDir, out dir), ref dir);
    }

    private int ResolveDirectory(string relativeDir, out SafeFileHandle? dir)
    {
        if (relativeDir.Length == 0) return Openat(_root, ".", O_PATH | O_DIRECTORY, 0, out dir);
        if (!ForceWalk && !_noOpenat2)
        {
            int errno = Openat2(_root, relativeDir, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, out dir);
            if (errno != ENOSYS) return errno;
            _noOpenat2 = true;
        }
        return Walk(relativeDir, out dir);
    }

    private const int MaxSymlinks = 40; // as the kernel

    /// <summary>
    /// The fallback resolver (as libpathrs does it): one O_PATH|O_NOFOLLOW open per component from a held directory
    /// descriptor; a symlink is read and its target spliced into the remaining components, absolute targets
    /// restarting at the root; ".." pops a descriptor off the stack and never above the root. Nothing is looked up
    /// by a path string from outside, so a rename or swap during the walk cannot carry it out of the root.
    /// </summary>
    private int Walk(string relative, out SafeFileHandle? result)
    {
        result = null;
        var stack = new List<SafeFileHandle>();
        int errno = Openat(_root, ".", O_PATH | O_DIRECTORY, 0, out var start);
        if (errno != 0) return errno;
        stack.Add(start!);
        var pending = new LinkedList<string>(relative.Split('/'));
        int links = 0;
        try
        {
            while (pending.First is { } first)
            {
                var component = first.Value;
                pending.RemoveFirst();
                if (component is "" or ".") continue;
                if (component == "..")
                {
                    if (stack.Count > 1) { stack[^1].Dispose(); stack.RemoveAt(stack.Count - 1); }
                    continue;
                }
                errno = Openat(stack[^1], component, O_PATH | O_NOFOLLOW, 0, out var next);
                if (errno != 0) return errno;
                errno = GuestSyscalls.Stat(next!, "", out var status);
                if (errno != 0) { next!.Dispose(); return errno; }
                if (status.IsSymlink)
                {
                    errno = GuestSyscalls.ReadLink(next!, "", out var target);
                    next!.Dispose();
                    if (errno != 0) return errno;
                    if (++links > MaxSymlinks) return ELOOP;
                    if (target!.StartsWith('/'))
                        while (stack.Count > 1) { stack[^1].Dispose(); stack.RemoveAt(stack.Count - 1); }
                    var parts = target.Split('/');
                    for (int i = parts.Length - 1; i >= 0; i--) pending.AddFirst(parts[i]);
                    continue;
                }
                if (!status.IsDirectory) { next!.Dispose(); return ENOTDIR; }
                stack.Add(next!);
            }
            result = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return 0;
        }
        finally
        {
            foreach (var handle in stack) handle.Dispose();
        }
    }

    internal static (string Dir, string Name) Split(string relative)
    {
        int slash = relative.LastIndexOf('/');
        return slash < 0 ? ("", relative) : (relative[..slash], relative[(slash + 1)..]);
    }

    /// <summary>The directory holding <paramref name="relative"/>, resolved inside the root; null when it does not exist.</summary>
    internal SafeFileHandle? TryOpenParent(string relative, out string name, out int errno)
    {
        var (dir, last) = Split(relative);
        name = last;
        errno = OpenDirectory(dir, out var handle);
        return errno == 0 ? handle : null;
    }

    /// <summary>The directory holding <paramref name="relative"/>; a missing or non-directory parent is a guest conflict.</summary>
    internal SafeFileHandle OpenParent(string relative, out string name)
    {
        var handle = TryOpenParent(relative, out name, out int errno);
        if (handle is not null) return handle;
        throw ParentProblem(relative, errno);
    }

    internal GuestException ParentProblem(string relative, int errno)
    {
        if (errno is ENOENT) return new GuestConflictException(Name, relative,
            $"guest '{Name}': the directory of '/{relative}' is missing (removed during the change?); nothing further was changed");
        if (errno is ENOTDIR or ELOOP && FirstNonDirectoryParent(relative) is { } bad)
            return new GuestConflictException(Name, relative,
                $"guest '{Name}': '/{bad}' is not a directory inside the guest, so '/{relative}' cannot be reached; nothing further was changed");
        return new GuestConflictException(Name, relative, $"guest '{Name}': cannot reach '/{relative}': {Describe(errno)}; nothing further was changed");
    }

    /// <summary>
    /// The first ancestor of <paramref name="relative"/> that exists but is not a directory once symlinks are
    /// resolved inside the guest (a file, a FIFO, a dangling or looping symlink); null when every existing ancestor
    /// is one (missing ancestors are created as real directories).
    /// </summary>
    public string? FirstNonDirectoryParent(string relative)
    {
        var (dir, _) = Split(relative);
        if (dir.Length == 0) return null;
        int errno = OpenDirectory(dir, out var handle);
        handle?.Dispose();
        if (errno == 0) return null;
        var parts = dir.Split('/');
        for (int i = 1; i <= parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..i]);
            errno = OpenDirectory(prefix, out handle);
            handle?.Dispose();
            if (errno == 0) continue;
            if (errno != ENOENT) return prefix;
            // Missing is fine (it is created as a real directory); a name that exists but resolves to nothing
            // (a dangling symlink) is not.
            var parent = TryOpenParent(prefix, out var last, out _);
            if (parent is null) return null;
            using (parent) return GuestSyscalls.Stat(parent, last, out _) == 0 ? prefix : null;
        }
        return dir;
    }

    /// <summary>Every ancestor exists and is a directory inside the guest.</summary>
    public bool ParentsExist(string relative)
    {
        var handle = TryOpenParent(relative, out _, out _);
        handle?.Dispose();
        return handle is not null;
    }

    /// <summary>
    /// Identifies the file a path names inside this guest: (device, inode of its resolved parent directory, final
    /// name). Two package paths with the same key are one file here (bin/x and usr/bin/x when bin -> usr/bin).
    /// Null when the parent does not exist yet.
    /// </summary>
    public string? CanonicalKey(string relative)
    {
        var parent = TryOpenParent(relative, out var name, out _);
        if (parent is null) return null;
        using (parent)
            return GuestSyscalls.Stat(parent, "", out var s) == 0 ? $"{s.Device}:{s.Inode}/{name}" : null;
    }
}

/// <summary>A registered guest's root directory is gone (container deleted?) or no longer a directory.</summary>
public sealed class GuestRootMissingException(string guest, string root)
    : GuestException($"guest '{guest}': its root '{root}' is missing or not a directory (was the container deleted? unregister it with: stork-get guest remove {guest})")
{
    public string Guest { get; } = guest;
}
