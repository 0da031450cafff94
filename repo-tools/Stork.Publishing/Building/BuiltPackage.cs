using Stork.Format.Packages;

namespace Stork.Publishing.Building;

/// <summary>Result of a build: where the blob is, what it hashes to, and its manifest.</summary>
public sealed record BuiltPackage(string Path, string Sha256, long Length, PackageManifest Manifest);
