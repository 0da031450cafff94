using Stork.Format.Errors;

namespace Stork.Publishing.Building;

/// <summary>The source directory or its stork-build.json cannot be turned into a package.</summary>
public sealed class BuildException : LocalException
{
    public BuildException(string message) : base(message) { }
    public BuildException(string message, Exception inner) : base(message, inner) { }
}
