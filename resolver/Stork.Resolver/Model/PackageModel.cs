using NuGet.Versioning;

namespace Stork.Resolver.Model;

/// <summary>A name with an optional version range: one alternative of a dependency clause, a conflict, or an install item.</summary>
public sealed record Reference(string Name, VersionRange? Range)
{
    /// <summary>Parses "NAME" or "NAME RANGE" (NuGet interval notation, e.g. "libc6 [31.0.0,)").</summary>
    public static Reference Parse(string text) => ReferenceParser.Parse(text);
    public override string ToString() => Range is null ? Name : $"{Name} {Range.ToNormalizedString()}";
}

/// <summary>A name a package provides: unversioned (Version null) or versioned.</summary>
public sealed record Provide(string Name, NuGetVersion? Version)
{
    public static Provide Parse(string text) => ReferenceParser.ParseProvide(text);
    public override string ToString() => Version is null ? Name : $"{Name} {Version.ToFullString()}";
}

/// <summary>One installable package version with everything the solver needs to know about it.</summary>
public sealed record Candidate(
    string Name,
    NuGetVersion Version,
    IReadOnlyList<IReadOnlyList<Reference>> Depends,
    IReadOnlyList<Reference> Conflicts,
    IReadOnlyList<Provide> Provides)
{
    public override string ToString() => $"{Name} {Version.ToFullString()}";
}

/// <summary>A chosen (name, version) pair.</summary>
public sealed record PackageId(string Name, NuGetVersion Version)
{
    public override string ToString() => $"{Name} {Version.ToFullString()}";
}
