using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

public sealed partial class GuestInstaller
{
    /// <summary>
    /// For the planner: the stat of the store variant a file whose exact mode or owner matters would link in this guest
    /// (ids resolved in the guest's own accounts), or null when such files cannot be shared at all (not hard links into
    /// an immutable store: they are copied, as before variants existed).
    /// </summary>
    private Func<PackageFileEntry, FileStatus?>? VariantStatus(LinkMode linkMode, ContentStore store, GuestRoot root)
    {
        if (linkMode != LinkMode.HardLink || !paths.ImmutableStore) return null;
        GuestAccounts? accounts = null;
        return entry =>
        {
            var owner = entry.IsRootOwned ? null : (accounts ??= GuestAccounts.Read(root)).OwnerOf(entry);
            return Native.LStat(store.VariantPath(entry, owner?.Uid ?? 0, owner?.Gid ?? 0));
        };
    }

    /// <summary>
    /// The manifest entry of an owned file with everything the host database leaves out (owner and group), from the
    /// manifest the host kept for the package's blob; the recorded entry when there is none.
    /// </summary>
    internal PackageFileEntry FullEntry(string blobSha256, OwnedFile file) =>
        KnownManifest(blobSha256)?.Files.FirstOrDefault(f => f.Path == file.Path && f.Type == file.Type && f.Sha256 == file.Sha256) ?? file.ToEntry();
}
