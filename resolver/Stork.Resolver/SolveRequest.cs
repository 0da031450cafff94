using Stork.Resolver.Model;

namespace Stork.Resolver;

/// <summary>What the caller wants. Plain data in; see <see cref="SolveResult"/> for plain data out.</summary>
public sealed record SolveRequest
{
    /// <summary>Packages to install: "NAME" or "NAME RANGE". A provider never satisfies an install item.</summary>
    public IReadOnlyList<Reference> Install { get; init; } = [];

    /// <summary>What the target (guest) has now. Kept unless the operation needs to change it.</summary>
    public IReadOnlyList<PackageId> Installed { get; init; } = [];

    /// <summary>Names to remove, together with the dependencies nothing else needs any more.</summary>
    public IReadOnlyList<string> Remove { get; init; } = [];

    /// <summary>Names to move to the newest allowed version. Empty with <see cref="UpgradeAll"/> false means none.</summary>
    public IReadOnlyList<string> Upgrade { get; init; } = [];
    public bool UpgradeAll { get; init; }

    /// <summary>Exact versions that must be kept (or chosen) whatever the request.</summary>
    public IReadOnlyList<PackageId> Locks { get; init; } = [];

    /// <summary>
    /// Names in <see cref="Installed"/> the user asked for explicitly. The other installed packages were pulled in as
    /// dependencies and are dropped when nothing needs them any more. Empty means every installed package is manual.
    /// </summary>
    public IReadOnlyList<string> ManuallyInstalled { get; init; } = [];

    /// <summary>Give up after this long with <see cref="SolveOutcome.TimedOut"/>.</summary>
    public TimeSpan? TimeLimit { get; init; }
}
