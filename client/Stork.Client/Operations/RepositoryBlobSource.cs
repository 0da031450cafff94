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
        if (entry.Target.Sha256 != package.BlobSha256)
            throw new RequestException($"{package.Name} {package.Version}: the signed metadata names another blob than the plan");
        var url = session.Updater.TargetUrl(entry.TargetPath, entry.Target.Sha256, trusted.Root.ConsistentSnapshot);
        return session.Blobs.GetAsync(entry.Target.Sha256, entry.Target.Length, url, ct);
    }
}
