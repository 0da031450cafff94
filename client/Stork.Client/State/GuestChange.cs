namespace Stork.Client.State;

/// <summary>Everything one ApplyAsync changes in the database, committed in a single transaction.</summary>
/// <param name="RemovedPackages">Packages that leave the guest, with their file ownership.</param>
/// <param name="InstalledPackages">Packages (re)installed: their rows and owned files are replaced by these.</param>
/// <param name="NewOwnedFiles">Owned files of <paramref name="InstalledPackages"/>.</param>
/// <param name="ManualFlagChanges">Packages that stay as they are but change between requested and dependency.</param>
public sealed record GuestChange(
    string Guest,
    IReadOnlyList<string> RemovedPackages,
    IReadOnlyList<InstalledPackage> InstalledPackages,
    IReadOnlyList<OwnedFile> NewOwnedFiles,
    IReadOnlyList<InstalledPackage> ManualFlagChanges);
