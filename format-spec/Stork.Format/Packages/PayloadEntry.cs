namespace Stork.Format.Packages;

/// <summary>An input entry for <see cref="PackageWriter"/>: what goes into the package and where its bytes come from.</summary>
public sealed record PayloadEntry
{
    public required string Path { get; init; }
    public required PackageFileKind Type { get; init; }
    public string? Mode { get; init; }
    public bool Config { get; init; }
    public string? Target { get; init; }
    /// <summary>"NAME:ID" or null for root.</summary>
    public string? Owner { get; init; }
    public string? Group { get; init; }
    /// <summary>Path of an earlier file entry this file is a hard link of (the content must be the same).</summary>
    public string? Hardlink { get; init; }

    /// <summary>Opens the content of a regular file; called twice (hash pass, write pass).</summary>
    public Func<Stream>? OpenContent { get; init; }

    public static PayloadEntry FromFile(string path, string sourceFile, string mode, bool config = false) => new()
    {
        Path = path,
        Type = PackageFileKind.File,
        Mode = mode,
        Config = config,
        OpenContent = () => new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan),
    };

    public static PayloadEntry FromBytes(string path, byte[] content, string mode = FileModes.Regular, bool config = false) => new()
    {
        Path = path,
        Type = PackageFileKind.File,
        Mode = mode,
        Config = config,
        OpenContent = () => new MemoryStream(content, writable: false),
    };

    public static PayloadEntry Directory(string path, string mode = FileModes.Directory) =>
        new() { Path = path, Type = PackageFileKind.Directory, Mode = mode };

    public static PayloadEntry Symlink(string path, string target) =>
        new() { Path = path, Type = PackageFileKind.Symlink, Target = target };
}
