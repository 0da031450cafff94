using System.Security.Cryptography;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Stork.Format.Packages;

/// <summary>
/// Writes package blobs: a deterministic pax tar (manifest first, payload in ordinal path order) compressed with zstd.
/// The same inputs always give the same bytes.
/// </summary>
public static class PackageWriter
{
    /// <summary>High level: determinism matters more than speed, and packages are built once, installed many times.</summary>
    public const int CompressionLevel = 19;

    /// <summary>Writes the compressed blob to <paramref name="output"/> and returns its manifest.</summary>
    /// <param name="level">zstd level (1-22); the same inputs and level always give the same bytes.</param>
    public static PackageManifest Write(PackageInfo info, IEnumerable<PayloadEntry> payload, Stream output, int level = CompressionLevel)
    {
        using var zstd = new CompressionStream(output, level, leaveOpen: true);
        // A content checksum lets plain `zstd -t` / `tar --zstd` detect corruption too.
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        var manifest = WriteTar(info, payload, zstd);
        zstd.Flush();
        return manifest;
    }

    /// <summary>Writes the uncompressed tar stream (the normative, compressor-independent part of the format).</summary>
    public static PackageManifest WriteTar(PackageInfo info, IEnumerable<PayloadEntry> payload, Stream tarOutput) =>
        WriteTar(info, payload, tarOutput, scripts: null, triggers: null);

    /// <summary>Writes the compressed blob of a package with maintainer scripts and triggers (§3.2).</summary>
    public static PackageManifest Write(PackageInfo info, IEnumerable<PayloadEntry> payload, Stream output,
        MaintainerScripts? scripts, string? triggers, int level = CompressionLevel)
    {
        using var zstd = new CompressionStream(output, level, leaveOpen: true);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        var manifest = WriteTar(info, payload, zstd, scripts, triggers);
        zstd.Flush();
        return manifest;
    }

    public static PackageManifest WriteTar(PackageInfo info, IEnumerable<PayloadEntry> payload, Stream tarOutput,
        MaintainerScripts? scripts, string? triggers)
    {
        var entries = payload.OrderBy(e => e.Path, PathOrder.Instance).ToList();
        var manifest = PackageManifest.Create(info, entries.Select(Describe)) with { Scripts = scripts, Triggers = triggers };
        manifest.Validate();

        var tar = new TarStreamWriter(tarOutput);
        var manifestBytes = PackageJson.Serialize(manifest);
        tar.WriteFile(PackagePaths.ManifestPath, 0x1A4 /* 0644 */, manifestBytes.Length, new MemoryStream(manifestBytes));
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var described = manifest.Files[i];
            switch (entry.Type)
            {
                case PackageFileKind.Directory:
                    tar.WriteDirectory(entry.Path, described.ModeBits);
                    break;
                case PackageFileKind.Symlink:
                    tar.WriteSymlink(entry.Path, entry.Target!);
                    break;
                default:
                    using (var content = new HashingReadStream(entry.OpenContent!()))
                    {
                        tar.WriteFile(entry.Path, described.ModeBits, described.Size!.Value, content);
                        // The source must not change between the hash pass and the write pass.
                        if (content.HashHex() != described.Sha256)
                            throw PackageFormatException.For(info.Label, entry.Path, "source content changed while building");
                    }
                    break;
            }
        }
        tar.WriteEnd();
        return manifest;
    }

    private static PackageFileEntry Describe(PayloadEntry entry) => entry.Type switch
    {
        PackageFileKind.Directory => PackageFileEntry.Directory(entry.Path, entry.Mode ?? FileModes.Directory) with { Owner = entry.Owner, Group = entry.Group },
        PackageFileKind.Symlink => PackageFileEntry.Symlink(entry.Path, entry.Target ?? ""),
        PackageFileKind.File when entry.OpenContent is not null => DescribeFile(entry),
        _ => throw PackageFormatException.For(null, entry.Path, $"cannot write entry of type '{entry.Type.Display()}'"),
    };

    private static PackageFileEntry DescribeFile(PayloadEntry entry)
    {
        using var content = entry.OpenContent!();
        // Streamed, of any size: OpenSSL (4-5 times faster per byte than libsodium), not Hashing.Sha256.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            size += read;
        }
        return PackageFileEntry.File(entry.Path, entry.Mode ?? FileModes.Regular, size,
            Convert.ToHexStringLower(sha.GetHashAndReset()), entry.Config) with
        { Owner = entry.Owner, Group = entry.Group, Hardlink = entry.Hardlink };
    }
}
