namespace Stork.Client.Guests;

/// <summary>
/// What ApplyAsync did to a guest. Package lists are display strings: "name version" for added/removed,
/// "name old -> new" for upgraded (which includes downgrades and same-version rebuilds).
/// </summary>
public sealed record InstallReport(
    string Guest,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Upgraded,
    IReadOnlyList<string> Removed,
    int FilesLinked,
    int FilesCopied,
    long BytesLinked,
    long BytesCopied,
    int FilesRemoved,
    IReadOnlyList<string> KeptConfigs,
    IReadOnlyList<string> CrossDeviceCopies,
    int StoreFilesAdded,
    long StoreBytesAdded)
{
    /// <summary>The guest's generation after the change (unchanged when nothing was done).</summary>
    public int Generation { get; init; }

    /// <summary>How store files were shared: hardlink, reflink or copy.</summary>
    public LinkMode? LinkMode { get; init; }

    /// <summary>PATH.stork-new files written beside config files the admin edited.</summary>
    public IReadOnlyList<string> NewConfigs { get; init; } = [];

    /// <summary>Maintainer scripts that were not run, and why (host policy, a guest without the script's interpreter).</summary>
    public IReadOnlyList<string> ScriptNotes { get; init; } = [];

    /// <summary>Files of removed packages that could not be reached because their directory was gone (moved away by the guest?).</summary>
    public IReadOnlyList<string> Unreached { get; init; } = [];

    public bool Changed => Added.Count + Upgraded.Count + Removed.Count > 0;
}
