namespace Stork.Client.Model;

/// <summary>One package of the full set a guest should have after ApplyAsync, with the blob that holds it.</summary>
public sealed record DesiredPackage(string Name, string Version, string BlobSha256, long BlobLength, bool Manual);

/// <summary>Supplies package blobs to the installer.</summary>
public interface IBlobSource
{
    /// <summary>Returns a local path of a blob whose sha256 and length were already verified.</summary>
    Task<string> GetVerifiedBlobPathAsync(DesiredPackage package, CancellationToken ct);
}
