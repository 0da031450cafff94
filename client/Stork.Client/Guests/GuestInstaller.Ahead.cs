using Stork.Client.Locking;
using Stork.Client.State;
using Stork.Client.Store;

namespace Stork.Client.Guests;

public sealed partial class GuestInstaller
{
    /// <summary>
    /// Extracts verified blobs into the store before any guest changes (see <see cref="Operations.BlobPrefetch"/>),
    /// as one batch: each blob is extracted as it arrives, and the commit makes them all durable in one step.
    /// Guests are untouched; a blob that fails verification stops the whole change. The batch holds the store lock
    /// shared from start to end, like <see cref="ApplyAsync"/>; content gc frees later is simply extracted again.
    /// </summary>
    public AheadBatch BeginAhead() => new(this, paths);

    /// <summary>
    /// Holds gc off (the store lock, shared) from a command's first download to its last guest change. Until a
    /// generation names them, the blobs and store files fetched for the command are pinned by nothing else: a gc
    /// between the prefetch and the apply freed them, and the apply downloaded them again (seen with 16 parallel
    /// installs and gc). flock gives no preference to a waiting exclusive lock, so the shared locks the prefetch and
    /// the apply take inside this one are granted while gc waits.
    /// </summary>
    public IDisposable PinStore() => SharedLock.Acquire(paths.StoreLock, exclusive: false, "store", OnWait);

    public sealed class AheadBatch : IDisposable
    {
        private readonly GuestInstaller _installer;
        private readonly SharedLock _storeLock;
        private readonly ContentStore _store;
        private readonly List<(DesiredPackage Package, ExtractedBlob Blob)> _extracted = [];

        internal AheadBatch(GuestInstaller installer, HostPaths paths)
        {
            _installer = installer;
            _storeLock = SharedLock.Acquire(paths.StoreLock, exclusive: false, "store", installer.OnWait);
            _store = new ContentStore(paths);
        }

        public void Extract(DesiredPackage package, string blobPath)
        {
            if (_installer.StoredManifest(_store, package) is not null) return;
            _extracted.Add((package, _store.Extract(blobPath, package.Name, package.Version)));
        }

        public void Commit()
        {
            _store.Commit(_extracted.Select(e => e.Blob).ToList());
            foreach (var (package, blob) in _extracted) _installer.RecordAhead(package, blob.Result);
        }

        public void Dispose()
        {
            foreach (var (_, blob) in _extracted) blob.Dispose();
            _storeLock.Dispose();
        }
    }

    private void RecordAhead(DesiredPackage package, IngestResult ingested)
    {
        RememberManifest(package, ingested.Manifest);
        _aheadFiles += ingested.FilesAdded;
        _aheadBytes += ingested.BytesAdded;
    }

    // Store content added ahead of the next ApplyAsync, which reports it.
    private int _aheadFiles;
    private long _aheadBytes;
}
