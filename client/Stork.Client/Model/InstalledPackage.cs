namespace Stork.Client.Model;

/// <summary>A package installed in a guest. Manual: asked for by the user rather than pulled in as a dependency.</summary>
/// <param name="BlobSha256">The blob's <see cref="Packages.BlobId"/>: its sha256, or sha512 for a target signed with sha512 only.</param>
public sealed record InstalledPackage(string Name, string Version, string BlobSha256, bool Manual);
