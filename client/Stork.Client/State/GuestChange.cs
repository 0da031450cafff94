namespace Stork.Client.State;

/// <summary>Everything one ApplyAsync changes in the database, committed in a single transaction.</summary>
public sealed record GuestChange(
    string Guest,
    IReadOnlyList<string> RemovedPackages,
    IReadOnlyList<InstalledPackage> UpsertedPackages,
    IReadOnlyList<OwnedFile> NewOwnedFiles);
