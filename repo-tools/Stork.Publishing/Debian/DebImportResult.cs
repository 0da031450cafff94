namespace Stork.Publishing.Debian;

/// <summary>One .deb's import: what was written, and everything of the Debian package that Stork could not carry.</summary>
public sealed record DebImportResult
{
    public required string Deb { get; init; }
    public string? Name { get; init; }
    public string? DebianVersion { get; init; }
    public string? Version { get; init; }
    public string? Output { get; init; }
    public long? Length { get; init; }
    public int Files { get; init; }
    public List<string> NotCarried { get; init; } = [];
    /// <summary>Why the package was not imported at all (then <see cref="Output"/> is null).</summary>
    public string? Error { get; init; }
}
