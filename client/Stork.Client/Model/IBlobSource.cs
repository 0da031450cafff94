namespace Stork.Client.Model;

/// <summary>Supplies package blobs to the installer.</summary>
public interface IBlobSource
{
    /// <summary>Returns a local path of a blob whose sha256 and length were already verified.</summary>
    Task<string> GetVerifiedBlobPathAsync(DesiredPackage package, CancellationToken ct);
}
