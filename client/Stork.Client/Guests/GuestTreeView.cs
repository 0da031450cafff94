using Stork.Client.Planning;

namespace Stork.Client.Guests;

/// <summary>The real guest tree, read through its <see cref="GuestRoot"/>: the planner's I/O adapter, kept out of Planning.</summary>
public sealed class GuestTreeView(GuestRoot root) : IGuestView
{
    public FileStatus? LStat(string path) => root.LStat(path);
    public string? LinkTarget(string path) => root.ReadLink(path);
    public string Sha256(string path) => root.Sha256(path);
    public string? FirstNonDirectoryParent(string path) => root.FirstNonDirectoryParent(path);
    public bool IsDirectory(string path) => root.IsDirectory(path);
    public string? CanonicalKey(string path) => root.CanonicalKey(path);
}
