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
    public bool Changed => Added.Count + Upgraded.Count + Removed.Count > 0;
}
