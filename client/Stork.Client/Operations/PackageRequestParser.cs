using NuGet.Versioning;
using Stork.Format.Errors;
using Stork.Resolver.Model;

namespace Stork.Client.Operations;

/// <summary>Reads what a user types: "NAME", "NAME=VERSION" (exact) or "NAME RANGE" (NuGet interval notation).</summary>
public static class PackageRequestParser
{
    public static Reference Parse(string text)
    {
        var trimmed = text.Trim();
        int equals = trimmed.IndexOf('=');
        if (equals > 0 && !trimmed.Contains(' '))
        {
            var versionText = trimmed[(equals + 1)..];
            if (!NuGetVersion.TryParse(versionText, out var version))
                throw new RequestException($"'{text}': '{versionText}' is not a SemVer version");
            return new Reference(trimmed[..equals], new VersionRange(version, true, version, true));
        }
        try
        {
            return Reference.Parse(trimmed);
        }
        catch (FormatException e)
        {
            throw new RequestException($"'{text}' is not a package request: {e.Message}. Use NAME, NAME=VERSION or \"NAME [1.0.0,2.0.0)\"");
        }
    }
}
