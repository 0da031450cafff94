namespace Stork.Client.Model;

/// <summary>One package of the full set a guest should have after ApplyAsync, with the blob that holds it.</summary>
/// <param name="BlobSha256">The blob's <see cref="Packages.BlobId"/>: its sha256, or sha512 for a target signed with sha512 only.</param>
public sealed record DesiredPackage(string Name, string Version, string BlobSha256, long BlobLength, bool Manual);
