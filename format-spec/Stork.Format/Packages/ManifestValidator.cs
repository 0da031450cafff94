namespace Stork.Format.Packages;

/// <summary>Structural validation of manifests and package headers. Every rule here also protects the reader.</summary>
internal static class ManifestValidator
{
    public const int MaxSummaryLength = 1024;
    public const int MaxRelations = 1024;

    public static void ValidateInfo(PackageInfo info, string? entryForErrors)
    {
        string? label = info.Name is not null && info.Version is not null ? $"{info.Name} {info.Version}" : null;
        void Fail(string problem) => throw PackageFormatException.For(label, entryForErrors, problem);

        if (!PackageNames.IsValidName(info.Name)) Fail($"'{info.Name}' is not a valid package name ([a-z0-9][a-z0-9+._-]*)");
        if (!PackageNames.TryParseVersion(info.Version, out _)) Fail($"'{info.Version}' is not a SemVer 2 version");
        if (info.Summary is null) Fail("summary is missing");
        if (info.Summary!.Length > MaxSummaryLength) Fail("summary is longer than 1024 characters");
        if (info.Summary.Any(c => c < 0x20 || c == 0x7F)) Fail("summary contains control characters");

        if (info.Depends is null || info.Provides is null || info.Conflicts is null) Fail("depends, provides and conflicts must be arrays");
        if (info.Depends!.Count + info.Provides!.Count + info.Conflicts!.Count > MaxRelations) Fail("too many relations");
        foreach (var clause in info.Depends)
        {
            if (clause is null || clause.Count == 0) Fail("empty dependency clause");
            foreach (var alternative in clause!)
                if (PackageNames.CheckReference(alternative) is { } problem) Fail("depends: " + problem);
        }
        foreach (var provide in info.Provides)
            if (PackageNames.CheckProvide(provide) is { } problem) Fail("provides: " + problem);
        foreach (var conflict in info.Conflicts)
            if (PackageNames.CheckReference(conflict) is { } problem) Fail("conflicts: " + problem);
    }

    public static void Validate(PackageManifest manifest)
    {
        if (manifest.Format != PackageManifest.CurrentFormat)
            throw PackageFormatException.For(null, PackagePaths.ManifestPath, $"unsupported manifest format {manifest.Format}");
        ValidateInfo(manifest.Info, PackagePaths.ManifestPath);
        var label = manifest.Label;
        if (manifest.Files is null) throw PackageFormatException.For(label, PackagePaths.ManifestPath, "files must be an array");

        var directories = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        long total = 0;
        foreach (var file in manifest.Files)
        {
            if (file is null) throw PackageFormatException.For(label, PackagePaths.ManifestPath, "null entry in files");
            void Fail(string problem) => throw PackageFormatException.For(label, file.Path, problem);

            if (PackagePaths.CheckPayloadPath(file.Path) is { } pathProblem) Fail(pathProblem);
            // Strict ordinal order makes duplicates impossible and the manifest canonical.
            if (previous is not null && PathOrder.Instance.Compare(previous, file.Path) >= 0)
                Fail(string.Equals(previous, file.Path, StringComparison.Ordinal) ? "duplicate entry in manifest" : "manifest files are not sorted by path (UTF-8 byte order)");
            previous = file.Path;

            // Every parent must be a directory of this package, so no entry can be placed through a symlink.
            var parent = PackagePaths.Parent(file.Path);
            if (parent is not null && !directories.Contains(parent)) Fail($"parent directory '{parent}' is not listed as a dir entry");

            switch (file.Type)
            {
                case PackageFileTypes.File:
                    if (!FileModes.TryParse(file.Mode, out _)) Fail($"mode '{file.Mode}' is not four octal digits");
                    if (file.Size is not { } size || size < 0) Fail("file needs a non-negative size");
                    if (!IsSha256Hex(file.Sha256)) Fail("file needs a lowercase hex sha256");
                    if (file.Target is not null) Fail("file must not have a target");
                    try { total = checked(total + file.Size!.Value); }
                    catch (OverflowException) { Fail("total size overflows"); }
                    break;
                case PackageFileTypes.Directory:
                    if (!FileModes.TryParse(file.Mode, out _)) Fail($"mode '{file.Mode}' is not four octal digits");
                    if (file.Size is not null || file.Sha256 is not null || file.Target is not null || file.Config is not null)
                        Fail("dir must not have size, sha256, target or config");
                    directories.Add(file.Path);
                    break;
                case PackageFileTypes.Symlink:
                    if (file.Mode is not null || file.Size is not null || file.Sha256 is not null || file.Config is not null)
                        Fail("symlink must not have mode, size, sha256 or config");
                    if (PackagePaths.CheckSymlinkTarget(file.Path, file.Target) is { } targetProblem) Fail(targetProblem);
                    break;
                default:
                    Fail($"unknown entry type '{file.Type}'");
                    break;
            }
            if (file.Config == false) Fail("config must be omitted rather than false");
        }
    }

    public static bool IsSha256Hex(string? text)
    {
        if (text is null || text.Length != 64) return false;
        foreach (var c in text)
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        return true;
    }
}
