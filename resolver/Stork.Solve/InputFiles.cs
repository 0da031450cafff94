using Stork.Resolver.Universe;
using ZstdSharp;

namespace Stork.Solve;

/// <summary>Reading input files (zstd-compressed when named *.zst) and turning their failures into one-line messages.</summary>
internal static class InputFiles
{
    /// <summary>The file's content, decompressed when the name ends in .zst.</summary>
    public static ArraySegment<byte> ReadBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase)) return bytes;
        // One-shot decompression into a buffer sized from the frame header is several times faster than streaming.
        ulong size = Decompressor.GetDecompressedSize(bytes);
        if (size is > 0 and < int.MaxValue)
        {
            try
            {
                using var decompressor = new Decompressor();
                var buffer = GC.AllocateUninitializedArray<byte>((int)size); // the decompressor writes every byte it reports
                int length = decompressor.Unwrap(bytes, buffer, 0);
                return new ArraySegment<byte>(buffer, 0, length);
            }
            catch (ZstdException)
            {
                // Fall back to streaming, which also reports a corrupt file properly.
            }
        }
        using var zstd = new DecompressionStream(new MemoryStream(bytes));
        using var memory = new MemoryStream();
        zstd.CopyTo(memory);
        return new ArraySegment<byte>(memory.GetBuffer(), 0, (int)memory.Length);
    }

    public static Stream Open(string path)
    {
        var content = ReadBytes(path);
        return new MemoryStream(content.Array!, content.Offset, content.Count, writable: false, publiclyVisible: true);
    }

    public static bool IsInputError(Exception e) =>
        e is IOException or UnauthorizedAccessException or UniverseFormatException or ZstdException or FormatException;

    public static string Describe(string path, Exception e) => e switch
    {
        UniverseFormatException format => $"stork-solve: {path}:{format.Line}: {format.InnerException?.Message ?? format.Message}",
        _ => $"stork-solve: {path}: {e.Message}",
    };
}
