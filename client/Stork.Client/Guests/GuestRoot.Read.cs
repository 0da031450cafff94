namespace Stork.Client.Guests;

public sealed partial class GuestRoot
{
    /// <summary>
    /// Reads a small guest file (guest-controlled: its account files, dpkg's status) whole, through
    /// <see cref="OpenRegularForRead"/>, so a symlink, FIFO or device there is a conflict rather than an escape or a
    /// hang. Null when it does not exist; larger than <paramref name="maxBytes"/> is a <see cref="Stork.Format.Errors.GuestException"/>.
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

    private Stork.Format.Errors.GuestException TooLarge(string relative, int maxBytes) =>
        new($"guest '{Name}': '/{relative}' is larger than {maxBytes / 1024 / 1024} MiB; refusing to read it");
}
