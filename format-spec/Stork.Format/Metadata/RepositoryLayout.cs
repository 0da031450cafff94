namespace Stork.Format.Metadata;

/// <summary>Where files live in a published tree (see SPEC.md, "Repository layout").</summary>
public static class RepositoryLayout
{
    public const string MetadataDir = "metadata";
    public const string TargetsDir = "targets";

    public static string VersionedMetadata(string role, long version) => $"{version}.{role}.json";
    public static string UnversionedMetadata(string role) => $"{role}.json";

    /// <summary>A consistent-snapshot target path: "dir/HASH.name" for target "dir/name".</summary>
    public static string HashPrefixedTarget(string targetPath, string sha256)
    {
        int slash = targetPath.LastIndexOf('/');
        return slash < 0 ? $"{sha256}.{targetPath}" : $"{targetPath[..(slash + 1)]}{sha256}.{targetPath[(slash + 1)..]}";
    }

    /// <summary>The target path under which a package is listed.</summary>
    public static string PackageTarget(string name, string version) => $"packages/{name}/{name}-{version}.stork";
}
