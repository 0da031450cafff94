using System.Text;

namespace Stork.Publishing.Repository;

/// <summary>
/// The files a batch created, to remove again if it does not commit: their paths are appended to an unlinked
/// scratch file (one per line) instead of being kept in memory, so a batch of any size holds none of them.
/// </summary>
internal sealed class CreatedFiles(string scratchPath) : IDisposable
{
    private FileStream? _scratch;

    public void Add(string path)
    {
        if (path.Contains('\n')) throw new PublisherException($"file name {path} holds a line break");
        if (_scratch is null)
        {
            _scratch = new FileStream(scratchPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            // Unlinked at once: read back through the open handle, nothing left behind.
            File.Delete(scratchPath);
        }
        _scratch.Write(Encoding.UTF8.GetBytes(path + "\n"));
    }

    /// <summary>Deletes every file added (those already gone are skipped).</summary>
    public void DeleteAll()
    {
        if (_scratch is null) return;
        _scratch.Flush();
        _scratch.Position = 0;
        using var reader = new StreamReader(_scratch, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16, leaveOpen: true);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) File.Delete(line);
        _scratch.SetLength(0);
    }

    public void Dispose()
    {
        _scratch?.Dispose();
        _scratch = null;
    }
}
