using System.Security.Cryptography;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Stork.Format.Packages;

/// <summary>
/// Reads a package blob treating every byte as hostile. The manifest (entry 1) is read and validated first;
/// payload entries are then checked against it one by one, regular file content is size- and SHA-256-verified
/// while streaming, and total decompressed bytes are bounded by what the manifest declares.
/// Every violation raises <see cref="PackageFormatException"/> naming the package and the entry.
/// </summary>
public sealed class PackageReader : IDisposable
{
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>Largest zstd window accepted (2^27 = 128 MiB); level 19 uses far less. Stops memory bombs in frame headers.</summary>
    public const int MaxWindowLog = 27;

    // Per-entry allowance for headers: one ustar header plus one bounded pax header.
    private const long PerEntryOverhead = TarFormat.BlockSize * 2L + TarFormat.MaxPaxHeaderSize;
    // End-of-archive blocks plus the record padding some tar implementations append.
    private const long TrailerAllowance = 20L * TarFormat.BlockSize;

    private readonly BoundedReadStream _bounded;
    private readonly TarStreamReader _tar;
    private readonly Dictionary<string, PackageFileEntry> _expected;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private PackageFileEntry? _current;
    private IncrementalHash? _currentHash;
    private bool _finished;

    public PackageManifest Manifest { get; }

    private PackageReader(BoundedReadStream bounded, TarStreamReader tar, PackageManifest manifest)
    {
        _bounded = bounded;
        _tar = tar;
        Manifest = manifest;
        _expected = manifest.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
    }

    /// <summary>Opens a blob and reads + validates its manifest. The reader owns <paramref name="blob"/> unless <paramref name="leaveOpen"/>.</summary>
    public static PackageReader Open(Stream blob, bool leaveOpen = false)
    {
        DecompressionStream? zstd = null;
        try
        {
            zstd = new DecompressionStream(blob, leaveOpen: leaveOpen);
            zstd.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, MaxWindowLog);
            var bounded = new BoundedReadStream(zstd, MaxManifestBytes + PerEntryOverhead);
            var tar = new TarStreamReader(bounded);
            var manifest = ReadManifest(tar);
            // From here on the manifest justifies the archive size.
            long payload = 0;
            foreach (var file in manifest.Files)
                payload = checked(payload + TarFormat.PaddedSize(file.Size ?? 0) + PerEntryOverhead);
            bounded.Limit = checked(bounded.Consumed + payload + TrailerAllowance);
            return new PackageReader(bounded, tar, manifest);
        }
        catch (Exception e) when (e is not PackageFormatException)
        {
            zstd?.Dispose();
            throw Wrap(e, null, PackagePaths.ManifestPath);
        }
        catch
        {
            zstd?.Dispose();
            throw;
        }
    }

    public static PackageReader Open(string blobPath)
    {
        var stream = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 65536);
        try { return Open(stream); }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static PackageManifest ReadManifest(TarStreamReader tar)
    {
        var header = tar.Next() ?? throw PackageFormatException.For(null, null, "empty archive");
        if (header.Path != PackagePaths.ManifestPath)
            throw PackageFormatException.For(null, header.Path, $"first entry must be {PackagePaths.ManifestPath}");
        if (header.Type is not (TarFormat.TypeRegular or TarFormat.TypeRegularOld))
            throw PackageFormatException.For(null, header.Path, "manifest is not a regular file");
        if (header.Size > MaxManifestBytes)
            throw PackageFormatException.For(null, header.Path, $"manifest is {header.Size} bytes, more than {MaxManifestBytes}");
        var bytes = new byte[header.Size];
        int total = 0;
        while (total < bytes.Length) total += tar.ReadData(bytes.AsSpan(total));
        return PackageJson.DeserializeManifest(bytes);
    }

    /// <summary>
    /// Advances to the next payload entry and returns its manifest record, or null once the archive ended and every
    /// manifest entry was seen. Unread content of the previous file is read and verified first.
    /// </summary>
    public PackageFileEntry? ReadNext()
    {
        if (_finished) return null;
        string? entry = _current?.Path;
        try
        {
            FinishCurrent();
            var header = _tar.Next();
            if (header is null)
            {
                _finished = true;
                var missing = Manifest.Files.FirstOrDefault(f => !_seen.Contains(f.Path));
                if (missing is not null) throw Fail(missing.Path, "listed in the manifest but missing from the archive");
                return null;
            }
            entry = header.Path;
            _current = CheckEntry(header);
            // Not Hashing.Sha256: file content is streamed and may be large, where OpenSSL is 4-5 times faster per byte.
            if (_current.IsFile) _currentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            return _current;
        }
        catch (Exception e) when (e is not PackageFormatException)
        {
            throw Wrap(e, Manifest.Label, entry);
        }
    }

    /// <summary>Copies the current regular file's content to <paramref name="destination"/>; throws if it does not match the manifest.</summary>
    public void CopyContentTo(Stream destination)
    {
        if (_current is not { IsFile: true }) throw new InvalidOperationException("the current entry is not a regular file");
        var buffer = new byte[81920];
        while (true)
        {
            int read;
            try
            {
                read = _tar.ReadData(buffer);
                if (read > 0) _currentHash!.AppendData(buffer, 0, read);
                else VerifyCurrentHash();
            }
            catch (Exception e) when (e is not PackageFormatException)
            {
                throw Wrap(e, Manifest.Label, _current.Path); // only the archive stream's failures are the package's
            }
            if (read == 0) return;
            // The destination's failures (disk full, read-only) are local and propagate unchanged.
            destination.Write(buffer, 0, read);
        }
    }

    /// <summary>Reads and verifies the whole archive without extracting anything.</summary>
    public void VerifyAll()
    {
        while (ReadNext() is not null) { }
    }

    private PackageFileEntry CheckEntry(TarHeader header)
    {
        var path = header.Type == TarFormat.TypeDirectory && header.Path.EndsWith('/') ? header.Path[..^1] : header.Path;

        switch (header.Type)
        {
            case TarFormat.TypeCharDevice or TarFormat.TypeBlockDevice:
                throw Fail(path, "device nodes are not allowed");
            case TarFormat.TypeFifo:
                throw Fail(path, "FIFOs are not allowed");
        }
        if (PackagePaths.CheckPayloadPath(path) is { } pathProblem) throw Fail(path, pathProblem);
        if (header.Type == TarFormat.TypeHardLink)
        {
            if (PackagePaths.CheckHardlinkTarget(header.LinkTarget) is { } linkProblem) throw Fail(path, linkProblem);
            throw Fail(path, "hard links are not part of package format 1");
        }
        PackageFileKind type = header.Type switch
        {
            TarFormat.TypeRegular or TarFormat.TypeRegularOld => PackageFileKind.File,
            TarFormat.TypeDirectory => PackageFileKind.Directory,
            TarFormat.TypeSymlink => PackageFileKind.Symlink,
            _ => throw Fail(path, $"unsupported tar entry type '{(char)header.Type}'"),
        };
        if (type == PackageFileKind.Symlink && PackagePaths.CheckSymlinkTarget(path, header.LinkTarget) is { } targetProblem)
            throw Fail(path, targetProblem);

        if (!_seen.Add(path)) throw Fail(path, "duplicate entry in archive");
        if (!_expected.TryGetValue(path, out var expected)) throw Fail(path, "entry is not listed in the manifest");
        if (expected.Type != type) throw Fail(path, $"archive has a {type.Name()}, manifest says {expected.Type.Name()}");

        if (type == PackageFileKind.Symlink)
        {
            if (!string.Equals(header.LinkTarget, expected.Target, StringComparison.Ordinal))
                throw Fail(path, "symlink target differs from the manifest");
            return expected;
        }
        int declared = expected.ModeBits;
        int special = header.Mode & (FileModes.SetUid | FileModes.SetGid);
        if ((special & ~declared) != 0) throw Fail(path, "setuid/setgid bit not declared in the manifest");
        if (header.Mode != declared)
            throw Fail(path, $"mode {FileModes.Format(header.Mode)} differs from the manifest's {expected.Mode}");
        if (type == PackageFileKind.File && header.Size != expected.Size)
            throw Fail(path, $"size {header.Size} differs from the manifest's {expected.Size}");
        return expected;
    }

    private void FinishCurrent()
    {
        if (_current is not { IsFile: true }) return;
        var buffer = new byte[81920];
        int read;
        while ((read = _tar.ReadData(buffer)) > 0) _currentHash!.AppendData(buffer, 0, read);
        VerifyCurrentHash();
    }

    private void VerifyCurrentHash()
    {
        if (_currentHash is null) return;
        var actual = Convert.ToHexStringLower(_currentHash.GetHashAndReset());
        _currentHash.Dispose();
        _currentHash = null;
        if (actual != _current!.Sha256) throw Fail(_current.Path, "content sha256 differs from the manifest");
    }

    private PackageFormatException Fail(string entry, string problem) => PackageFormatException.For(Manifest.Label, entry, problem);

    private static PackageFormatException Wrap(Exception e, string? package, string? entry) => e switch
    {
        TarFormatException tar => PackageFormatException.For(package, tar.Entry ?? entry, tar.Message, tar),
        DecompressionLimitException => PackageFormatException.For(package, entry, e.Message, e),
        ZstdException => PackageFormatException.For(package, entry, "corrupt zstd data: " + e.Message, e),
        EndOfStreamException or IOException => PackageFormatException.For(package, entry, "archive truncated or unreadable: " + e.Message, e),
        OverflowException => PackageFormatException.For(package, entry, "declared sizes overflow", e),
        _ => PackageFormatException.For(package, entry, e.GetType().Name + ": " + e.Message, e),
    };

    public void Dispose()
    {
        _currentHash?.Dispose();
        _bounded.Dispose();
    }
}
