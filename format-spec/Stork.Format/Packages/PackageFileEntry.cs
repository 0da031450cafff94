using System.Text.Json.Serialization;

namespace Stork.Format.Packages;

/// <summary>One payload entry listed in the manifest. Which fields are present depends on <see cref="Type"/>.</summary>
public sealed record PackageFileEntry
{
    /// <summary>Path relative to the guest root, '/'-separated, no leading slash, e.g. "bin/busybox".</summary>
    public string Path { get; init; } = "";

    /// <summary>The entry's kind, the manifest's "type" field (by name: <see cref="PackageFileKinds"/>).</summary>
    public required PackageFileKind Type { get; init; }

    /// <summary>Four octal digits for files and directories; absent for symlinks.</summary>
    public string? Mode { get; init; }

    /// <summary>Byte length of a regular file.</summary>
    public long? Size { get; init; }

    /// <summary>Lowercase hex SHA-256 of a regular file's content.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Symlink target, relative and inside the package root.</summary>
    public string? Target { get; init; }

    /// <summary>Owning user as "NAME:ID" (e.g. "www-data:33"); omitted for root (§3.1). Files and directories only.</summary>
    public string? Owner { get; init; }

    /// <summary>Owning group as "NAME:ID"; omitted for root.</summary>
    public string? Group { get; init; }

    /// <summary>
    /// For a file that is a hard link of an earlier file entry of the package: that entry's path. The entry still
    /// carries the full content (same size, sha256, mode, owner and group), so readers that ignore the member install
    /// the same bytes; installers make both paths one inode (§3.1).
    /// </summary>
    public string? Hardlink { get; init; }

    /// <summary>True for configuration files: copied (never linked) into guests and kept when edited. Omitted when false.</summary>
    public bool? Config { get; init; }

    [JsonIgnore] public bool IsFile => Type == PackageFileKind.File;
    [JsonIgnore] public bool IsDirectory => Type == PackageFileKind.Directory;
    [JsonIgnore] public bool IsSymlink => Type == PackageFileKind.Symlink;
    [JsonIgnore] public bool IsConfig => Config == true;
    [JsonIgnore] public bool IsRootOwned => Owner is null && Group is null;
    [JsonIgnore] public int ModeBits => Mode is null ? 0 : FileModes.Parse(Mode);

    public static PackageFileEntry File(string path, string mode, long size, string sha256, bool config = false) =>
        new() { Path = path, Type = PackageFileKind.File, Mode = mode, Size = size, Sha256 = sha256, Config = config ? true : null };

    public static PackageFileEntry Directory(string path, string mode = FileModes.Directory) =>
        new() { Path = path, Type = PackageFileKind.Directory, Mode = mode };

    public static PackageFileEntry Symlink(string path, string target) =>
        new() { Path = path, Type = PackageFileKind.Symlink, Target = target };
}
