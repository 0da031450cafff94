using Stork.Resolver.Universe;
using ZstdSharp;

namespace Stork.Solve;

/// <summary>Opening input files (zstd-compressed when named *.zst) and turning their failures into one-line messages.</summary>
internal static class InputFiles
{
    public static Stream Open(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase))
            return new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
        var compressed = bytes;
        // One-shot decompression into a buffer sized from the frame header is several times faster than streaming.
        ulong size = Decompressor.GetDecompressedSize(compressed);
        if (size is > 0 and < int.MaxValue)
        {
            try
            {
                using var decompressor = new Decompressor();
                var buffer = new byte[size];
                int length = decompressor.Unwrap(compressed, buffer, 0);
                return new MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true);
            }
            catch (ZstdException)
            {
                // Fall back to streaming, which also reports a corrupt file properly.
            }
        }
        using var zstd = new DecompressionStream(new MemoryStream(compressed));
        var memory = new MemoryStream();
        zstd.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    public static bool IsInputError(Exception e) =>
        e is IOException or UnauthorizedAccessException or UniverseFormatException or ZstdException or FormatException;

    public static string Describe(string path, Exception e) => e switch
    {
        UniverseFormatException format => $"stork-solve: {path}:{format.Line}: {format.InnerException?.Message ?? format.Message}",
        _ => $"stork-solve: {path}: {e.Message}",
    };
}
