using Stork.Format.Errors;

namespace Stork.Format.Packages;

/// <summary>
/// A package blob, manifest or build input violates the package format.
/// Thrown for every hostile or malformed input so callers can handle one type. A repository error: a package that
/// fails these checks must not be trusted, whoever served it.
/// </summary>
public sealed class PackageFormatException : RepositoryException
{
    public PackageFormatException(string message) : base(message) { }
    public PackageFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Package label ("name version") the problem was found in, when known.</summary>
    public string? Package { get; init; }

    /// <summary>Archive entry or manifest path the problem concerns, when known.</summary>
    public string? Entry { get; init; }

    internal static PackageFormatException For(string? package, string? entry, string problem, Exception? inner = null)
    {
        var where = (package, entry) switch
        {
            (not null, not null) => $"package '{package}', entry '{entry}': ",
            (not null, null) => $"package '{package}': ",
            (null, not null) => $"entry '{entry}': ",
            _ => "",
        };
        var message = where + problem;
        return inner is null
            ? new PackageFormatException(message) { Package = package, Entry = entry }
            : new PackageFormatException(message, inner) { Package = package, Entry = entry };
    }
}
