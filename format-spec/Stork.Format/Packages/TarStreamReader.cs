using System.Globalization;
using System.Text;

namespace Stork.Format.Packages;

/// <summary>One tar header as parsed, before any package-level checks.</summary>
internal sealed record TarHeader(string Path, byte Type, int Mode, long Size, string? LinkTarget);

/// <summary>Raised for malformed tar structure; the package reader adds package and entry context.</summary>
internal sealed class TarFormatException(string message, string? entry = null) : Exception(message)
{
    public string? Entry { get; } = entry;
}

/// <summary>
/// A strict reader for the pax/ustar subset Stork writes. It accepts only "ustar\0" "00" headers with valid
/// checksums, octal numbers, strictly UTF-8 names and a short list of pax keys; everything else is rejected.
/// </summary>
internal sealed class TarStreamReader(Stream input)
{
    private readonly byte[] _header = new byte[TarFormat.BlockSize];
    private long _dataRemaining;
    private long _paddingRemaining;

    /// <summary>pax keys that carry metadata Stork ignores (ownership and times are not taken from archives).</summary>
    private static readonly HashSet<string> IgnoredPaxKeys =
        new(StringComparer.Ordinal) { "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment" };

    /// <summary>Reads the next header, skipping unread data of the previous entry. Returns null at end of archive.</summary>
    public TarHeader? Next()
    {
        SkipData();
        Dictionary<string, string>? pax = null;
        while (true)
        {
            if (!ReadBlock()) throw new TarFormatException("archive ends without end-of-archive marker");
            if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0) // a zero block ends the archive
                return pax is null ? null : throw new TarFormatException("pax header without an entry");

            ValidateHeaderBlock();
            var type = _header[TarFormat.TypeOffset];
            var size = ParseOctal(TarFormat.SizeOffset, TarFormat.SizeLength, "size");
            if (type == TarFormat.TypePaxHeader)
            {
                if (pax is not null) throw new TarFormatException("two pax headers in a row");
                if (size > TarFormat.MaxPaxHeaderSize) throw new TarFormatException("pax header too large");
                pax = ParsePax(ReadExactly((int)size));
                SkipBytes(TarFormat.PaddedSize(size) - size);
                continue;
            }
            if (type == TarFormat.TypePaxGlobal) throw new TarFormatException("global pax headers are not allowed");

            string path = pax is not null && pax.TryGetValue("path", out var paxPath) ? paxPath : HeaderPath();
            string? link = pax is not null && pax.TryGetValue("linkpath", out var paxLink) ? paxLink
                : ReadName(TarFormat.LinkNameOffset, TarFormat.LinkNameLength, path) is { Length: > 0 } l ? l : null;
            if (pax is not null && pax.TryGetValue("size", out var paxSize))
                size = long.TryParse(paxSize, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s
                    : throw new TarFormatException("invalid pax size", path);
            int mode = (int)(ParseOctal(TarFormat.ModeOffset, TarFormat.ModeLength, "mode") & FileModes.AllBits);

            // Only regular files carry data; other types declaring data are malformed.
            bool carriesData = type is TarFormat.TypeRegular or TarFormat.TypeRegularOld;
            if (!carriesData && size != 0 && type is TarFormat.TypeDirectory or TarFormat.TypeSymlink or TarFormat.TypeHardLink)
                throw new TarFormatException("non-file entry with data", path);
            _dataRemaining = size;
            _paddingRemaining = TarFormat.PaddedSize(size) - size;
            return new TarHeader(path, type, mode, size, link);
        }
    }

    public long DataRemaining => _dataRemaining;

    /// <summary>Reads data of the current entry; returns 0 when it is exhausted.</summary>
    public int ReadData(Span<byte> buffer)
    {
        if (_dataRemaining == 0) return 0;
        var slice = buffer[..(int)Math.Min(buffer.Length, _dataRemaining)];
        int read = input.Read(slice);
        if (read == 0) throw new TarFormatException("archive truncated inside entry data");
        _dataRemaining -= read;
        return read;
    }

    private void SkipData()
    {
        SkipBytes(_dataRemaining);
        _dataRemaining = 0;
        SkipBytes(_paddingRemaining);
        _paddingRemaining = 0;
    }

    private void SkipBytes(long count)
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int read = input.Read(scratch[..(int)Math.Min(scratch.Length, count)]);
            if (read == 0) throw new TarFormatException("archive truncated");
            count -= read;
        }
    }

    private bool ReadBlock()
    {
        int total = 0;
        while (total < TarFormat.BlockSize)
        {
            int read = input.Read(_header, total, TarFormat.BlockSize - total);
            if (read == 0) return total == 0 ? false : throw new TarFormatException("archive truncated inside a header");
            total += read;
        }
        return true;
    }

    private byte[] ReadExactly(int count)
    {
        var bytes = new byte[count];
        int total = 0;
        while (total < count)
        {
            int read = input.Read(bytes, total, count - total);
            if (read == 0) throw new TarFormatException("archive truncated inside a pax header");
            total += read;
        }
        return bytes;
    }

    private void ValidateHeaderBlock()
    {
        if (!_header.AsSpan(TarFormat.MagicOffset, 6).SequenceEqual(TarFormat.Magic) ||
            _header[TarFormat.MagicOffset + 6] != '0' || _header[TarFormat.MagicOffset + 7] != '0')
            throw new TarFormatException("not a POSIX ustar header");
        long stored = ParseOctal(TarFormat.ChecksumOffset, TarFormat.ChecksumLength, "checksum");
        if (stored != TarFormat.Checksum(_header)) throw new TarFormatException("header checksum mismatch");
    }

    private string HeaderPath()
    {
        var name = ReadName(TarFormat.NameOffset, TarFormat.NameLength, null);
        var prefix = ReadName(TarFormat.PrefixOffset, TarFormat.PrefixLength, name);
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private string ReadName(int offset, int length, string? entryForErrors)
    {
        var field = _header.AsSpan(offset, length);
        int end = field.IndexOf((byte)0);
        if (end >= 0) field = field[..end];
        return DecodeUtf8(field, entryForErrors);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, string? entryForErrors)
    {
        try { return TarFormat.StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException)
        {
            // The name cannot be shown as text, so show its bytes.
            var shown = entryForErrors ?? Convert.ToHexString(bytes);
            throw new TarFormatException("name is not valid UTF-8", shown);
        }
    }

    /// <summary>Parses NUL/space-terminated octal. Base-256 and other encodings are rejected.</summary>
    private long ParseOctal(int offset, int length, string field)
    {
        var span = _header.AsSpan(offset, length);
        int i = 0;
        while (i < span.Length && span[i] == ' ') i++;
        long value = 0;
        int digits = 0;
        for (; i < span.Length && span[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++)
        {
            if (digits >= 12) throw new TarFormatException($"header {field} field out of range");
            value = value * 8 + (span[i] - '0');
        }
        for (; i < span.Length; i++)
            if (span[i] is not (0 or (byte)' ')) throw new TarFormatException($"header {field} field is not octal");
        if (digits == 0) throw new TarFormatException($"header {field} field is empty");
        return value;
    }

    private static Dictionary<string, string> ParsePax(byte[] body)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        int position = 0;
        while (position < body.Length)
        {
            int space = Array.IndexOf(body, (byte)' ', position);
            if (space < 0) throw new TarFormatException("malformed pax record");
            var lengthText = Encoding.ASCII.GetString(body, position, space - position);
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out int length) ||
                length <= space - position + 1 || position + length > body.Length || body[position + length - 1] != '\n')
                throw new TarFormatException("malformed pax record length");
            var record = DecodeUtf8(body.AsSpan(space + 1, position + length - space - 2), null);
            int equals = record.IndexOf('=');
            if (equals <= 0) throw new TarFormatException("malformed pax record");
            var key = record[..equals];
            var value = record[(equals + 1)..];
            if (key is "path" or "linkpath" or "size")
            {
                if (!records.TryAdd(key, value)) throw new TarFormatException($"duplicate pax record '{key}'");
            }
            else if (!IgnoredPaxKeys.Contains(key)) throw new TarFormatException($"unsupported pax record '{key}'");
            position += length;
        }
        return records;
    }
}
