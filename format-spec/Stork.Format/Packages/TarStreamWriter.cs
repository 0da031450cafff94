using System.Globalization;
using System.Text;

namespace Stork.Format.Packages;

/// <summary>
/// Writes deterministic POSIX pax tar entries: mtime 0, uid/gid 0, empty uname/gname, no atime/ctime.
/// A pax extended header is only emitted when a path, link target or size does not fit the ustar fields.
/// </summary>
internal sealed class TarStreamWriter(Stream output)
{
    private readonly byte[] _zeros = new byte[TarFormat.BlockSize];

    public void WriteDirectory(string path, int mode) =>
        WriteHeader(path + "/", TarFormat.TypeDirectory, mode, 0, linkName: null);

    public void WriteSymlink(string path, string target) =>
        WriteHeader(path, TarFormat.TypeSymlink, 0x1FF /* 0777, as Linux reports symlinks */, 0, target);

    /// <summary>Writes a regular file; <paramref name="content"/> must yield exactly <paramref name="size"/> bytes.</summary>
    public void WriteFile(string path, int mode, long size, Stream content)
    {
        WriteHeader(path, TarFormat.TypeRegular, mode, size, linkName: null);
        var buffer = new byte[81920];
        long remaining = size;
        while (remaining > 0)
        {
            int read = content.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0) throw new IOException($"'{path}' is shorter than its recorded size {size}");
            output.Write(buffer, 0, read);
            remaining -= read;
        }
        if (content.Read(buffer, 0, 1) != 0) throw new IOException($"'{path}' is longer than its recorded size {size}");
        WritePadding(size);
    }

    /// <summary>Two zero blocks end the archive.</summary>
    public void WriteEnd()
    {
        output.Write(_zeros);
        output.Write(_zeros);
    }

    private void WriteHeader(string name, byte type, int mode, long size, string? linkName)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var linkBytes = linkName is null ? [] : Encoding.UTF8.GetBytes(linkName);

        var pax = new List<(string Key, string Value)>();
        if (nameBytes.Length > TarFormat.NameLength) pax.Add(("path", name));
        if (linkBytes.Length > TarFormat.LinkNameLength) pax.Add(("linkpath", linkName!));
        if (size > TarFormat.MaxOctalSize) pax.Add(("size", size.ToString(CultureInfo.InvariantCulture)));
        if (pax.Count > 0) WritePaxHeader(pax);

        var header = new byte[TarFormat.BlockSize];
        PutBytes(header, TarFormat.NameOffset, TarFormat.NameLength, TruncateUtf8(nameBytes, TarFormat.NameLength));
        PutOctal(header, TarFormat.ModeOffset, TarFormat.ModeLength, mode & FileModes.AllBits);
        PutOctal(header, TarFormat.UidOffset, TarFormat.UidLength, 0);
        PutOctal(header, TarFormat.GidOffset, TarFormat.GidLength, 0);
        PutOctal(header, TarFormat.SizeOffset, TarFormat.SizeLength, size > TarFormat.MaxOctalSize ? 0 : size);
        PutOctal(header, TarFormat.MtimeOffset, TarFormat.MtimeLength, 0);
        header[TarFormat.TypeOffset] = type;
        PutBytes(header, TarFormat.LinkNameOffset, TarFormat.LinkNameLength, TruncateUtf8(linkBytes, TarFormat.LinkNameLength));
        TarFormat.Magic.CopyTo(header.AsSpan(TarFormat.MagicOffset));
        header[TarFormat.MagicOffset + 6] = (byte)'0';
        header[TarFormat.MagicOffset + 7] = (byte)'0';
        PutOctal(header, TarFormat.DevMajorOffset, TarFormat.DevLength, 0);
        PutOctal(header, TarFormat.DevMinorOffset, TarFormat.DevLength, 0);
        // Checksum: six octal digits, NUL, space (the traditional layout every tar accepts).
        var checksum = Convert.ToString(TarFormat.Checksum(header), 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(checksum, header.AsSpan(TarFormat.ChecksumOffset));
        header[TarFormat.ChecksumOffset + 6] = 0;
        header[TarFormat.ChecksumOffset + 7] = (byte)' ';
        output.Write(header);
    }

    private void WritePaxHeader(List<(string Key, string Value)> records)
    {
        var body = new MemoryStream();
        foreach (var (key, value) in records)
        {
            // A record is "LEN KEY=VALUE\n" where LEN counts the whole record including its own digits.
            int payload = 1 + Encoding.UTF8.GetByteCount(key) + 1 + Encoding.UTF8.GetByteCount(value) + 1;
            int length = payload + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + payload != length)
                length = length.ToString(CultureInfo.InvariantCulture).Length + payload;
            body.Write(Encoding.UTF8.GetBytes($"{length} {key}={value}\n"));
        }
        var bytes = body.ToArray();
        WriteHeader(TarFormat.PaxHeaderName, TarFormat.TypePaxHeader, 0x1A4 /* 0644 */, bytes.Length, linkName: null);
        output.Write(bytes);
        WritePadding(bytes.Length);
    }

    private void WritePadding(long size)
    {
        int padding = (int)(TarFormat.PaddedSize(size) - size);
        if (padding > 0) output.Write(_zeros, 0, padding);
    }

    private static void PutBytes(byte[] header, int offset, int length, ReadOnlySpan<byte> value) =>
        value[..Math.Min(length, value.Length)].CopyTo(header.AsSpan(offset, length));

    /// <summary>Zero-padded octal digits followed by a NUL, filling the field.</summary>
    private static void PutOctal(byte[] header, int offset, int length, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(digits, header.AsSpan(offset));
        header[offset + length - 1] = 0;
    }

    /// <summary>Cuts at a character boundary so the fallback ustar name stays valid UTF-8.</summary>
    private static ReadOnlySpan<byte> TruncateUtf8(byte[] bytes, int max)
    {
        if (bytes.Length <= max) return bytes;
        int cut = max;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--;
        return bytes.AsSpan(0, cut);
    }
}
