using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Format.Packages;

namespace Stork.Client.Planning;

/// <summary>What one guest path will go through when a plan is carried out.</summary>
public enum FileActionKind
{
    /// <summary>Create the directory (or fix its mode); replaces a non-directory of a leaving package.</summary>
    Directory,
    /// <summary>Share a store file: hard link or reflink, per the guest's link mode.</summary>
    Share,
    /// <summary>Copy a store file (config files, copy-mode guests).</summary>
    Copy,
    /// <summary>Create an empty file (empty files are never linked).</summary>
    Empty,
    Symlink,
    /// <summary>Keep the guest's config file untouched; the package's version is written beside it as PATH.stork-new.</summary>
    KeepConfigWriteNew,
    /// <summary>Keep the guest's file untouched (an edited config file of a package being removed).</summary>
    KeepConfig,
    /// <summary>Delete a file or symlink a leaving package owned.</summary>
    Remove,
    /// <summary>Remove a directory a leaving package owned, if it is empty.</summary>
    RemoveDirectory,
}

/// <summary>One step of a plan. Paths are guest-relative ('/'-separated, no leading slash).</summary>
/// <param name="Entry">The manifest entry the path should match (for removals: the entry that is leaving).</param>
/// <param name="Existed">Whether something was at the path when the plan was made.</param>
/// <param name="Reason">Why a config file is kept, for reports.</param>
public sealed record FileAction(FileActionKind Kind, string Path, PackageFileEntry Entry, bool Existed, string? Reason = null)
{
    public const string NewConfigSuffix = ".stork-new";

    /// <summary>Where the new content lands: the path itself, or PATH.stork-new for a kept config.</summary>
    public string WritePath => Kind == FileActionKind.KeepConfigWriteNew ? Path + NewConfigSuffix : Path;

    /// <summary>True for steps that write new content to <see cref="WritePath"/>.</summary>
    public bool Writes => Kind is FileActionKind.Share or FileActionKind.Copy or FileActionKind.Empty
        or FileActionKind.Symlink or FileActionKind.KeepConfigWriteNew;
}

/// <summary>
/// Everything a change to one guest will do, decided before anything is changed: packages, blobs to fetch,
/// every guest path to write, keep or remove. Produced by <see cref="InstallPlanner"/>, carried out by
/// <see cref="GuestInstaller"/>.
/// </summary>
public sealed record InstallPlan(
    string Guest,
    PackageChanges Packages,
    IReadOnlyList<DesiredPackage> BlobsToFetch,
    IReadOnlyList<DesiredPackage> ManifestsUnknown,
    IReadOnlyList<FileAction> Actions,
    LinkMode LinkMode)
{
    public bool Changed => Packages.Added.Count + Packages.Upgraded.Count + Packages.Removed.Count > 0;

    /// <summary>False when some package's file list is not known yet (a dry run before its blob was fetched).</summary>
    public bool Complete => ManifestsUnknown.Count == 0;

    public IEnumerable<FileAction> Of(FileActionKind kind) => Actions.Where(a => a.Kind == kind);

    /// <summary>Guest paths kept as the admin left them (edited config files), for reports.</summary>
    public IEnumerable<string> KeptConfigs => Actions
        .Where(a => a.Kind is FileActionKind.KeepConfig or FileActionKind.KeepConfigWriteNew).Select(a => "/" + a.Path);

    public IEnumerable<string> NewConfigs => Of(FileActionKind.KeepConfigWriteNew).Select(a => "/" + a.WritePath);
}

/// <summary>What the planner may learn about the guest tree (read-only). Paths are guest-relative.</summary>
public interface IGuestView
{
    FileStatus? LStat(string path);
    string? LinkTarget(string path);
    string Sha256(string path);
    /// <summary>First ancestor of <paramref name="path"/> that exists and is not a directory inside the guest, or null.</summary>
    string? FirstNonDirectoryParent(string path);
    /// <summary>True when the path resolves (symlinks followed inside the guest) to a directory.</summary>
    bool IsDirectory(string path) => LStat(path) is { IsDirectory: true };
    /// <summary>Identity of the file a path names in this guest (resolved parent + name); null when unknown.</summary>
    string? CanonicalKey(string path) => null;
}
