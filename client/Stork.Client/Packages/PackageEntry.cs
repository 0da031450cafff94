using Stork.Format.Metadata;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>A package as the signed targets metadata lists it: where its blob is, and its dependency header.</summary>
/// <param name="Role">The targets role that signed this entry.</param>
public sealed record PackageEntry(string TargetPath, TargetFile Target, Candidate Candidate, string Summary, string Role)
{
    public string Name => Candidate.Name;
    /// <summary>The full SemVer text, build metadata included ("1.0.0+build.5"): it is what the blob's manifest says.</summary>
    public string Version => Candidate.Version.ToFullString();
    /// <summary>The blob's name on this host (<see cref="Packages.BlobId"/>): its signed sha256, or sha512 when that is all it lists.</summary>
    public string BlobId => Packages.BlobId.Of(Target, TargetPath);

    /// <summary>The provides as signed, before the trust policy refused any (<see cref="Candidate"/> keeps the rest); null when not known.</summary>
    public IReadOnlyList<Provide>? SignedProvides { get; init; }

    /// <summary>The original Debian version of an imported package (PACKAGE-FORMAT.md §8.1), for display; null otherwise.</summary>
    public string? DebianVersion { get; init; }

    /// <summary>The version as people know it: "1.6-2.1+deb12u1" for Debian packages, else the SemVer.</summary>
    public string DisplayVersion => DebianVersion ?? Version;
}
