using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Stork.Client.Guests;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests.Debian;

/// <summary>
/// The check that comes before an adoption (<see cref="ImageAdoption"/>): an image laid out as Debian 12 (lib -> usr/lib)
/// matches its package, an absolute symlink the import made relative included; each kind of difference names the
/// first path at fault; a FIFO in a file's place is reported, never opened for reading (which would block).
/// </summary>
public sealed class ImageAdoptionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Root => _dir.Path;

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static readonly PackageManifest Manifest = new()
    {
        Name = "libx",
        Version = "1.0.0",
        Files =
        [
            PackageFileEntry.Directory("etc"),
            PackageFileEntry.File("etc/x.conf", "0644", 4, Sha("x=1\n"), config: true),
            PackageFileEntry.Directory("usr"),
            PackageFileEntry.Directory("usr/lib"),
            PackageFileEntry.Directory("usr/lib/x"),
            PackageFileEntry.File("usr/lib/x/libx.so.1.0", "0755", 8, Sha("libx 1.0"), config: false),
            PackageFileEntry.Symlink("usr/lib/x/libx.so.1", "../../lib/x/libx.so.1.0"),
        ],
    };

    public ImageAdoptionTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "usr/lib/x"));
        File.CreateSymbolicLink(Path.Combine(Root, "lib"), "usr/lib");
        _dir.WriteFile("etc/x.conf", "x=2, edited by the admin\n");
        _dir.WriteFile("usr/lib/x/libx.so.1.0", "libx 1.0", (UnixFileMode)0x1ED);
        // dpkg's own spelling: absolute, through the merged-/usr link.
        File.CreateSymbolicLink(Path.Combine(Root, "usr/lib/x/libx.so.1"), "/lib/x/libx.so.1.0");
    }

    private string? Check()
    {
        using var root = GuestRoot.Open("img", Root);
        return ImageAdoption.FirstMismatch(root, Manifest, () => GuestAccounts.Parse(null, null, "img"));
    }

    [RootFact]
    public void An_image_as_published_matches_and_an_edited_config_file_stays_the_guests()
    {
        Assert.Null(Check());
    }

    [RootFact]
    public void Each_difference_names_the_first_path_at_fault()
    {
        File.AppendAllText(Path.Combine(Root, "usr/lib/x/libx.so.1.0"), "!");
        Assert.Equal("/usr/lib/x/libx.so.1.0 differs from the published package (size)", Check());
        File.WriteAllText(Path.Combine(Root, "usr/lib/x/libx.so.1.0"), "libx 1.1");
        Assert.Equal("/usr/lib/x/libx.so.1.0 differs from the published package", Check());
        File.WriteAllText(Path.Combine(Root, "usr/lib/x/libx.so.1.0"), "libx 1.0");
        File.SetUnixFileMode(Path.Combine(Root, "usr/lib/x/libx.so.1.0"), (UnixFileMode)0x1A4);
        Assert.Equal("/usr/lib/x/libx.so.1.0 has mode 0644, the package's is 0755", Check());
        File.SetUnixFileMode(Path.Combine(Root, "usr/lib/x/libx.so.1.0"), (UnixFileMode)0x1ED);
        File.Delete(Path.Combine(Root, "usr/lib/x/libx.so.1"));
        File.CreateSymbolicLink(Path.Combine(Root, "usr/lib/x/libx.so.1"), "libx.so.2");
        Assert.Equal("/usr/lib/x/libx.so.1 points to 'libx.so.2', the package's to '../../lib/x/libx.so.1.0'", Check());
        File.Delete(Path.Combine(Root, "etc/x.conf"));
        Assert.Equal("/etc/x.conf is missing", Check());
    }

    [RootFact]
    public async Task A_fifo_in_a_files_place_is_reported_without_blocking()
    {
        File.Delete(Path.Combine(Root, "usr/lib/x/libx.so.1.0"));
        Assert.Equal(0, Mkfifo(Encoding.UTF8.GetBytes(Path.Combine(Root, "usr/lib/x/libx.so.1.0") + "\0"), 0x1ED));
        var check = Task.Run(Check);
        Assert.True(await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(60))) == check, "the check blocked on a FIFO");
        Assert.Equal("/usr/lib/x/libx.so.1.0 is a FIFO, not a regular file", await check);
    }

    public void Dispose() => _dir.Dispose();

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(byte[] path, int mode);
}
