using NuGet.Versioning;

namespace Stork.Resolver.Model;

/// <summary>
/// Versions mapped from Debian versions (format-spec/PACKAGE-FORMAT.md §8) carry their order in prerelease labels
/// that start with <c>deb</c> and end with <c>x1</c>. They are ordinary releases for the prerelease rule
/// (RESOLVER-SEMANTICS.md rule 6): in a Debian archive a "~" version is a normal candidate.
/// </summary>
public static class DebianMappedVersions
{
    public static bool IsMapped(SemanticVersion version)
    {
        if (!version.IsPrerelease) return false;
        var labels = version.ReleaseLabels as IReadOnlyList<string> ?? version.ReleaseLabels.ToList();
        return labels.Count >= 3
            && string.Equals(labels[0], "deb", StringComparison.OrdinalIgnoreCase)
            && string.Equals(labels[^1], "x1", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A prerelease the resolver holds back unless asked for: a prerelease that is not a mapped Debian version.</summary>
    public static bool IsHeldBackPrerelease(SemanticVersion version) => version.IsPrerelease && !IsMapped(version);
}
