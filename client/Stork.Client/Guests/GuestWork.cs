using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>Carries out the planned steps on a guest and counts what it did.</summary>
internal sealed class GuestWork(GuestRecord guest, ContentStore store)
{
    public int FilesLinked { get; private set; }
    public int FilesCopied { get; private set; }
    public long BytesLinked { get; private set; }
    public long BytesCopied { get; private set; }
    public int FilesRemoved { get; private set; }
    public List<string> KeptConfigs { get; } = [];
    public List<string> CrossDeviceCopies { get; } = [];

    private bool _crossDevice;

    public void Materialize(GuestStep step)
    {
        var entry = step.Entry;
        switch (step.Kind)
        {
            case StepKind.Skip:
                return;
            case StepKind.KeepConfig:
                KeptConfigs.Add("/" + entry.Path);
                return;
        }
        // Checked again right before writing: the guest may have changed since the preflight.
        GuestPaths.RequireRealParents(guest.Name, guest.Root, entry.Path);
        switch (step.Kind)
        {
            case StepKind.Directory:
                GuestFiles.EnsureDirectory(step.FullPath, entry.ModeBits, step.Existing);
                return;
            case StepKind.Symlink:
                GuestFiles.SymlinkOver(step.FullPath, entry.Target!);
                return;
            case StepKind.File:
                PlaceFile(step);
                return;
        }
    }

    private void PlaceFile(GuestStep step)
    {
        var entry = step.Entry;
        long size = entry.Size!.Value;
        if (size == 0)
        {
            // Empty files are never linked: linking would make every empty file on the host one inode.
            GuestFiles.CreateEmptyOver(step.FullPath, entry.ModeBits);
            FilesCopied++;
            return;
        }
        var storeFile = store.PathFor(entry);
        bool link = !entry.IsConfig && guest.LinkMode == GuestLinkModes.HardLink && !_crossDevice;
        if (link)
        {
            if (step.Existing is { } existing && Native.LStat(storeFile) is { } stored && existing.IsSameFileAs(stored))
                return; // already this very file (e.g. an upgrade that did not change it)
            try
            {
                GuestFiles.LinkOver(storeFile, step.FullPath);
                FilesLinked++;
                BytesLinked += size;
                return;
            }
            catch (CrossDeviceLinkException)
            {
                // Store and guest on different filesystems: copy this and every further file, and report it.
                _crossDevice = true;
                CrossDeviceCopies.Add("/" + entry.Path);
            }
        }
        else if (_crossDevice && !entry.IsConfig && guest.LinkMode == GuestLinkModes.HardLink)
        {
            CrossDeviceCopies.Add("/" + entry.Path);
        }
        GuestFiles.CopyOver(storeFile, step.FullPath, entry.ModeBits);
        FilesCopied++;
        BytesCopied += size;
    }

    /// <summary>Removes a path a leaving package owned, keeping edited config files and anything no longer of its type.</summary>
    public void Remove(OwnedFile old)
    {
        var full = Path.Combine(guest.Root, old.Path);
        // Never delete through a symlinked directory: that could reach host files.
        if (GuestPaths.FirstNonDirectoryParent(guest.Root, old.Path) is not null) return;
        var existing = Native.LStat(full);
        if (existing is null) return;
        switch (old.Type)
        {
            case PackageFileTypes.Directory:
                if (!existing.Value.IsDirectory) return;
                try
                {
                    Directory.Delete(full, recursive: false);
                    FilesRemoved++;
                }
                catch (IOException) { } // not empty: something else still lives there
                return;
            case PackageFileTypes.Symlink:
                if (!existing.Value.IsSymlink) return;
                break;
            default:
                if (!existing.Value.IsRegularFile) return;
                if (old.Config && GuestFiles.Sha256Of(full) != old.Sha256)
                {
                    KeptConfigs.Add("/" + old.Path);
                    return;
                }
                break;
        }
        File.Delete(full);
        FilesRemoved++;
    }
}
