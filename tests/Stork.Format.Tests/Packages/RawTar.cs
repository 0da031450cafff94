using System.Text;
using Stork.Format.Packages;
using ZstdSharp;

namespace Stork.Format.Tests.Packages;

/// <summary>
/// Crafts tar archives byte by byte (independent of the production writer) so tests can build hostile packages:
/// raw byte names, any type flag, any mode, sizes that lie.
/// </summary>
internal sealed class RawTar
{
    private readonly MemoryStream _tar = new();

    public RawTar Entry(byte[] name, byte type, int mode, byte[]? data = null, string? link = null, long? declaredSize = null)
    {
        data ??= [];
        var header = new byte[512];
        name.AsSpan(0, Math.Min(100, name.Length)).CopyTo(header);
        Octal(header, 100, 8, mode);
        Octal(header, 108, 8, 0);
        Octal(header, 116, 8, 0);
        Octal(header, 124, 12, declaredSize ?? data.Length);
        Octal(header, 136, 12, 0);
        header[156] = type;
        if (link is not null) Encoding.UTF8.GetBytes(link).CopyTo(header, 157);
        "ustar\0"u8.CopyTo(header.AsSpan(257));
        header[263] = (byte)'0';
        header[264] = (byte)'0';
        int sum = 0;
        for (int i = 0; i < 512; i++) sum += i is >= 148 and < 156 ? ' ' : header[i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0')).CopyTo(header, 148);
        header[155] = (byte)' ';
        _tar.Write(header);
        _tar.Write(data);
        var padding = (512 - data.Length % 512) % 512;
        _tar.Write(new byte[padding]);
        return this;
    }

    public RawTar Entry(string name, byte type, int mode, byte[]? data = null, string? link = null, long? declaredSize = null) =>
        Entry(Encoding.UTF8.GetBytes(name), type, mode, data, link, declaredSize);

    public RawTar File(string name, byte[] data, int mode = 0x1A4) => Entry(name, (byte)'0', mode, data);
    public RawTar Dir(string name, int mode = 0x1ED) => Entry(name + "/", (byte)'5', mode);
    public RawTar Symlink(string name, string target) => Entry(name, (byte)'2', 0x1FF, link: target);
    public RawTar Manifest(PackageManifest manifest) => File(PackagePaths.ManifestPath, PackageJson.Serialize(manifest));
    public RawTar ManifestBytes(byte[] json) => File(PackagePaths.ManifestPath, json);

    public byte[] ToTar()
    {
        var copy = new MemoryStream();
        copy.Write(_tar.ToArray());
        copy.Write(new byte[1024]);
        return copy.ToArray();
    }

    public byte[] ToZstd() => Zstd(ToTar());

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    private static void Octal(byte[] header, int offset, int length, long value)
    {
        Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(length - 1, '0')).CopyTo(header, offset);
        header[offset + length - 1] = 0;
    }
}
