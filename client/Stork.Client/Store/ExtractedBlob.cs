using Stork.Format.Packages;

namespace Stork.Client.Store;

/// <summary>A verified blob whose new files wait in the store's temp folder (see <see cref="ContentStore.Extract"/>).</summary>
public sealed class ExtractedBlob(PackageManifest manifest) : IDisposable
{
    public PackageManifest Manifest => manifest;
    internal List<(string Temp, PackageFileEntry Entry)> Pending { get; } = [];
    private int _filesAdded;
    private long _bytesAdded;

    /// <summary>What the commit put into the store for this blob.</summary>
    public IngestResult Result => new(manifest, _filesAdded, _bytesAdded);

    internal void Added(long bytes)
    {
        _filesAdded++;
        _bytesAdded += bytes;
    }

    /// <summary>Deletes temporaries the commit did not rename (all of them if there was no commit).</summary>
    public void Dispose()
    {
        foreach (var (temp, _) in Pending)
            if (File.Exists(temp)) File.Delete(temp);
    }
}
