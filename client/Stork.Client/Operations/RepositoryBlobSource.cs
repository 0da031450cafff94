using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>Hands the installer verified blobs: from the host cache, or downloaded once from the repository.</summary>
public sealed class RepositoryBlobSource(HostSession session, PackageIndex index, TrustedMetadata trusted) : IBlobSource
{
    public Task<string> GetVerifiedBlobPathAsync(DesiredPackage package, CancellationToken ct)
    {
        var entry = index.Find(package.Name, package.Version)
            ?? throw new RequestException($"{package.Name} {package.Version} is not in the repository's signed metadata");
        var id = entry.BlobId;
        if (id != package.BlobSha256)
            throw new RequestException($"{package.Name} {package.Version}: the signed metadata names another blob than the plan");
        var url = session.Updater.TargetUrl(entry.TargetPath, id, trusted.Root.ConsistentSnapshot);
        return session.Blobs.GetAsync(id, entry.Target, url, ct);
    }
}
