namespace Stork.Format.Packages;

/// <summary>Values of the manifest "type" field.</summary>
public static class PackageFileTypes
{
    public const string File = "file";
    public const string Directory = "dir";
    public const string Symlink = "symlink";
}
