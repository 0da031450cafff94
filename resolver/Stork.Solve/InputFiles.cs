using Stork.Resolver.Universe;
using ZstdSharp;

namespace Stork.Solve;

/// <summary>Opening input files (zstd-compressed when named *.zst) and turning their failures into one-line messages.</summary>
internal static class InputFiles
{
    public static Stream Open(string path)
    {
        var file = File.OpenRead(path);
        if (!path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)) return file;
        // Decompress fully up front so parsing works on one contiguous buffer.
        using (file)
        using (var zstd = new DecompressionStream(file))
        {
            var memory = new MemoryStream();
            zstd.CopyTo(memory);
            memory.Position = 0;
            return memory;
        }
    }

    public static bool IsInputError(Exception e) =>
        e is IOException or UnauthorizedAccessException or UniverseFormatException or ZstdException or FormatException;

    public static string Describe(string path, Exception e) => e switch
    {
        UniverseFormatException format => $"stork-solve: {path}:{format.Line}: {format.InnerException?.Message ?? format.Message}",
        _ => $"stork-solve: {path}: {e.Message}",
    };
}
