namespace Stork.Resolver.Universe;

/// <summary>A universe or job line that does not follow the format; Line is 1-based.</summary>
public sealed class UniverseFormatException(int line, string message, Exception? inner = null)
    : FormatException($"line {line}: {message}", inner)
{
    public int Line { get; } = line;
}
