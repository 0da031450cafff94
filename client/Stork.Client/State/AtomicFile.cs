using Stork.Format.Errors;

namespace Stork.Client.State;

/// <summary>
/// Replaces a file whole: the bytes go to a temporary with a name no other process uses (pid and a random part),
/// are flushed to disk, and are renamed over the target. Readers see the old file or the new one, never a mix,
/// and two writers never share a temporary. A failure (disk full, read-only) removes the temporary and is a
/// local error naming the file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Temporaries start with this, so cleanup can recognise them (".NAME.stork-tmp-PID-RANDOM").</summary>
    public const string TempMarker = ".stork-tmp-";

    public static string TempNameFor(string path)
        => Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}{TempMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");

    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = TempNameFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new LocalException($"cannot write {path}: {LocalFailure.Describe(e)}", e);
        }
    }

    public static void WriteText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));
}
