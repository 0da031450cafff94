using Stork.Format.Packages;

namespace Stork.Client.Model;

/// <summary>
/// A guest path installed by a package, as recorded at install time. Sha256 is the manifest's hash, so an edited
/// config file can be recognized later. Directories can be owned by several packages; everything else by one.
/// </summary>
public sealed record OwnedFile(string Path, string Package, PackageFileKind Type, string? Mode, string? Sha256, long? Size, string? Target, bool Config)
{
    public static OwnedFile From(string package, PackageFileEntry entry) =>
        new(entry.Path, package, entry.Type, entry.Mode, entry.Sha256, entry.Size, entry.Target, entry.IsConfig);

    public PackageFileEntry ToEntry() => new()
    {
        Path = Path,
        Type = Type,
        Mode = Mode,
        Sha256 = Sha256,
        Size = Size,
        Target = Target,
        Config = Config ? true : null,
    };
}
