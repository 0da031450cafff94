using System.Text;

namespace Stork.Format.Packages;

/// <summary>
/// Constants and field helpers for the POSIX ustar header (IEEE 1003.1-2001 "pax" interchange format).
/// Stork writes and reads this small subset itself so every byte is under its control.
/// </summary>
internal static class TarFormat
{
    public const int BlockSize = 512;
    public const long MaxOctalSize = 0x1FFFFFFFF; // 11 octal digits: 8 GiB - 1
    public const int MaxPaxHeaderSize = 16 * 1024;
    public const string PaxHeaderName = "././@PaxHeader";

    // Field offsets and lengths of the ustar header.
    public const int NameOffset = 0, NameLength = 100;
    public const int ModeOffset = 100, ModeLength = 8;
    public const int UidOffset = 108, UidLength = 8;
    public const int GidOffset = 116, GidLength = 8;
    public const int SizeOffset = 124, SizeLength = 12;
    public const int MtimeOffset = 136, MtimeLength = 12;
    public const int ChecksumOffset = 148, ChecksumLength = 8;
    public const int TypeOffset = 156;
    public const int LinkNameOffset = 157, LinkNameLength = 100;
    public const int MagicOffset = 257; // "ustar\0" then version "00"
    public const int DevMajorOffset = 329, DevMinorOffset = 337, DevLength = 8;
    public const int PrefixOffset = 345, PrefixLength = 155;

    public const byte TypeRegular = (byte)'0';
    public const byte TypeRegularOld = 0;
    public const byte TypeHardLink = (byte)'1';
    public const byte TypeSymlink = (byte)'2';
    public const byte TypeCharDevice = (byte)'3';
    public const byte TypeBlockDevice = (byte)'4';
    public const byte TypeDirectory = (byte)'5';
    public const byte TypeFifo = (byte)'6';
    public const byte TypePaxHeader = (byte)'x';
    public const byte TypePaxGlobal = (byte)'g';

    public static ReadOnlySpan<byte> Magic => "ustar\0"u8;

    /// <summary>Strict UTF-8: invalid sequences throw instead of becoming U+FFFD.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static long PaddedSize(long size) => (size + BlockSize - 1) / BlockSize * BlockSize;

    /// <summary>Unsigned sum of the header bytes with the checksum field counted as spaces.</summary>
    public static int Checksum(ReadOnlySpan<byte> header)
    {
        int sum = 0;
        for (int i = 0; i < BlockSize; i++)
            sum += i is >= ChecksumOffset and < ChecksumOffset + ChecksumLength ? (byte)' ' : header[i];
        return sum;
    }
}
