namespace Stork.Client.Fetching;

/// <summary>Receives byte progress of blob downloads (the CLI draws bars with it). Must be thread-safe.</summary>
public interface ITransferProgress
{
    /// <summary>A download of <paramref name="total"/> bytes starts, <paramref name="already"/> of them resumed from a partial file.</summary>
    ITransferTask Start(string label, long total, long already);
}

public interface ITransferTask : IDisposable
{
    void Advance(long bytes);
}
