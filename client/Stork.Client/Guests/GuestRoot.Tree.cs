using System.Text;
using Microsoft.Win32.SafeHandles;
using static Stork.Client.Guests.GuestSyscalls;

namespace Stork.Client.Guests;

/// <summary>
/// One entry met by <see cref="GuestRoot.WalkTree"/>: the open directory holding it, its name as the kernel gave it
/// (NUL-terminated bytes, for the *at calls), its guest path (for messages) and its lstat.
/// </summary>
internal readonly record struct TreeEntry(SafeFileHandle Parent, byte[] RawName, string Path, FileStatus Status);

public sealed partial class GuestRoot
{
    /// <summary>Directory levels <see cref="WalkTree"/> descends (one descriptor is held per level).</summary>
    public const int MaxTreeDepth = 256;

    /// <summary>Entries <see cref="WalkTree"/> visits before it gives up: a guest can plant a huge tree, the work stays bounded.</summary>
    public static int MaxTreeEntries { get; set; } = 4_000_000;

    private sealed class Frame(SafeFileHandle dir, string path, byte[] rawName, FileStatus status, List<byte[]> names)
    {
        public SafeFileHandle Dir => dir;
        public string Path => path;
        public byte[] RawName => rawName;
        public FileStatus Status => status;
        public List<byte[]> Names => names;
        public int Next;
    }

    /// <summary>
    /// Visits every entry below the root, depth first, each directory after its contents (so the visitor may remove
    /// it). Only directories are opened (O_NOFOLLOW, through the held parent descriptor), everything else is only
    /// lstat'ed: a symlink is never followed, a FIFO or device never opened. A directory on another mount (the
    /// container's /proc, a bind mount) is not entered: <paramref name="onMount"/> is told (it may throw). Entries
    /// that vanish meanwhile are skipped. Beyond <see cref="MaxTreeDepth"/> levels or <see cref="MaxTreeEntries"/>
    /// entries it stops with a <see cref="GuestException"/>.
    /// </summary>
    internal void WalkTree(Action<TreeEntry> visit, Action<string> onMount)
    {
        int errno = Openat(_root, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0, out var top);
        if (errno != 0) throw new GuestException($"guest '{Name}': cannot read its root '{HostPath}': {Describe(errno)}");
        var stack = new List<Frame>();
        try
        {
            if ((errno = GuestSyscalls.Stat(top!, "", out var rootStatus)) != 0) throw Failed("stat", "", errno);
            stack.Add(new Frame(top!, "", [], rootStatus, ReadNames(top!, "")));
            long seen = 0;
            while (stack.Count > 0)
            {
                var frame = stack[^1];
                if (frame.Next == frame.Names.Count)
                {
                    stack.RemoveAt(stack.Count - 1);
                    try
                    {
                        if (stack.Count > 0) visit(new TreeEntry(stack[^1].Dir, frame.RawName, frame.Path, frame.Status));
                    }
                    finally { frame.Dir.Dispose(); }
                    continue;
                }
                var name = frame.Names[frame.Next++];
                errno = StatRaw(frame.Dir, name, out var status);
                if (errno == ENOENT) continue;
                var path = (frame.Path.Length == 0 ? "" : frame.Path + "/") + Encoding.UTF8.GetString(name, 0, name.Length - 1);
                if (errno != 0) throw Failed("stat", path, errno);
                if (++seen > MaxTreeEntries)
                    throw new GuestException($"guest '{Name}': more than {MaxTreeEntries} entries under its root; stopped walking it at '/{path}'");
                if (!status.IsDirectory)
                {
                    visit(new TreeEntry(frame.Dir, name, path, status));
                    continue;
                }
                if (status.Device != rootStatus.Device || status.IsMountRoot)
                {
                    onMount(path);
                    continue;
                }
                if (stack.Count >= MaxTreeDepth)
                    throw new GuestException($"guest '{Name}': '/{path}' is nested more than {MaxTreeDepth} directories deep; stopped walking there");
                errno = OpenatRaw(frame.Dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK, out var dir);
                if (errno is ENOENT) continue;
                if (errno is ENOTDIR or ELOOP)
                {
                    // Swapped for a file or symlink since the lstat: visit what is there now (once; a racer swapping
                    // it back again only makes it skipped).
                    if (StatRaw(frame.Dir, name, out status) == 0 && !status.IsDirectory) visit(new TreeEntry(frame.Dir, name, path, status));
                    continue;
                }
                if (errno != 0) throw Failed("open", path, errno);
                if ((errno = GuestSyscalls.Stat(dir!, "", out var opened)) != 0) { dir!.Dispose(); throw Failed("fstat", path, errno); }
                if (opened.Device != rootStatus.Device || opened.IsMountRoot)
                {
                    dir!.Dispose();
                    onMount(path);
                    continue;
                }
                List<byte[]> names;
                try { names = ReadNames(dir!, path); }
                catch { dir!.Dispose(); throw; }
                stack.Add(new Frame(dir!, path, name, opened, names));
            }
        }
        finally
        {
            foreach (var frame in stack) frame.Dir.Dispose();
        }
    }

    private List<byte[]> ReadNames(SafeFileHandle dir, string path)
    {
        var names = new List<byte[]>();
        int errno = ReadDirectory(dir, MaxTreeEntries, names);
        if (errno == E2BIG) throw new GuestException($"guest '{Name}': '/{path}' holds more than {MaxTreeEntries} entries; stopped reading it");
        if (errno != 0) throw Failed("read directory", path, errno);
        return names;
    }
}
