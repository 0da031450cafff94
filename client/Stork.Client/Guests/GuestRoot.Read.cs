namespace Stork.Client.Guests;

public sealed partial class GuestRoot
{
    /// <summary>
    /// Reads a small guest file (guest-controlled: its account files, dpkg's status) whole, through
    /// <see cref="OpenRegularForRead"/>, so a symlink, FIFO or device there is a conflict rather than an escape or a
    /// hang. Null when it does not exist; larger than <paramref name="maxBytes"/> is a <see cref="GuestException"/>.
    /// </summary>
    public byte[]? ReadSmallFile(string relative, int maxBytes)
    {
        if (LStat(relative) is null) return null;
        using var handle = OpenRegularForRead(relative, out var status);
        if (status.Size > maxBytes) throw TooLarge(relative, maxBytes);
        using var stream = new FileStream(handle, FileAccess.Read, 0);
        var buffer = new byte[Math.Min(maxBytes + 1L, status.Size + 4096)];
        int total = 0, n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        if (total > maxBytes) throw TooLarge(relative, maxBytes); // grew while being read
        return buffer.AsSpan(0, total).ToArray();
    }

    private GuestException TooLarge(string relative, int maxBytes) =>
        new($"guest '{Name}': '/{relative}' is larger than {maxBytes / 1024 / 1024} MiB; refusing to read it");

    /// <summary>
    /// Replaces a guest file with new content: written to a new, randomly named file beside it (exclusive create), then
    /// renamed over it, so a symlink or FIFO planted at the name is replaced, never followed. Missing parents are made 0755.
    /// <paramref name="durable"/>: the content reaches the disk before the rename (as dpkg writes its status), so a crash
    /// leaves the old file or the new one, never an empty one.
    /// </summary>
    public void WriteFile(string relative, ReadOnlySpan<byte> content, int mode, bool durable = false)
    {
        var (dir, _) = Split(relative);
        if (dir.Length > 0) CreateDirectories(dir);
        var temp = (dir.Length == 0 ? "" : dir + "/") + ".stork-write-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        using (var handle = CreateExclusive(temp, mode))
        using (var stream = new FileStream(handle, FileAccess.Write, 0))
        {
            stream.Write(content);
            if (durable) stream.Flush(flushToDisk: true);
        }
        int errno = TryRename(temp, relative);
        if (errno != 0)
        {
            TryUnlink(temp);
            throw Failed("rename", relative, errno);
        }
    }

    /// <summary>mkdir -p inside the guest (0755 for what it creates; existing directories keep their mode).</summary>
    public void CreateDirectories(string relativeDir)
    {
        var path = "";
        foreach (var part in relativeDir.Split('/'))
        {
            path = path.Length == 0 ? part : path + "/" + part;
            if (!IsDirectory(path)) CreateDirectory(path, 0x1ED /* 0755 */);
        }
    }
}
