namespace Stork.Format.Packages;

/// <summary>Octal mode strings as used in manifests ("0644", "4755").</summary>
public static class FileModes
{
    public const int SetUid = 0x800;   // 04000
    public const int SetGid = 0x400;   // 02000
    public const int Sticky = 0x200;   // 01000
    public const int AllBits = 0xFFF;  // 07777

    public const string Executable = "0755";
    public const string Regular = "0644";
    public const string Directory = "0755";

    /// <summary>Parses exactly four octal digits; anything else is rejected so each mode has one spelling.</summary>
    public static bool TryParse(string? text, out int mode)
    {
        mode = 0;
        if (text is null || text.Length != 4) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '7') return false;
            mode = mode * 8 + (c - '0');
        }
        return true;
    }

    public static int Parse(string text) =>
        TryParse(text, out var mode) ? mode : throw new FormatException($"'{text}' is not a four-digit octal mode");

    public static string Format(int mode) => Convert.ToString(mode & AllBits, 8).PadLeft(4, '0');

    public static UnixFileMode ToUnixFileMode(int mode) => (UnixFileMode)(mode & AllBits);
}
