using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>chmod for the Unix-only parts of the client, with the platform guard in one place.</summary>
internal static class UnixPermissions
{
    public static void Set(string path, int mode)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("Stork guests need a Linux host");
        File.SetUnixFileMode(path, FileModes.ToUnixFileMode(mode));
    }
}
