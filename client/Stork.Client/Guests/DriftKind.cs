namespace Stork.Client.Guests;

/// <summary>What is wrong with an installed path (verify); the text beside it explains this one case.</summary>
public enum DriftKind
{
    RootMissing,
    ParentNotDirectory,
    Missing,
    WrongType,
    SymlinkTarget,
    Size,
    Content,
    Mode,
    /// <summary>A store inode linked in the guest at a name no package owns (<see cref="GuestOrphans"/>).</summary>
    Orphan,
    /// <summary>A dpkg guest's info/NAME.list or NAME.md5sums of a Stork package is missing or not what Stork registered.</summary>
    Registration,
}

/// <summary>The kind's name in verify --json (stable: scripts match on it).</summary>
public static class DriftKindText
{
    public static string Of(DriftKind kind) => kind switch
    {
        DriftKind.RootMissing => "root-missing",
        DriftKind.ParentNotDirectory => "parent-not-directory",
        DriftKind.Missing => "missing",
        DriftKind.WrongType => "wrong-type",
        DriftKind.SymlinkTarget => "symlink-target",
        DriftKind.Size => "size",
        DriftKind.Content => "content",
        DriftKind.Mode => "mode",
        DriftKind.Orphan => "orphan",
        DriftKind.Registration => "dpkg-registration",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
