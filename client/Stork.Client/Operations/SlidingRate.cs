namespace Stork.Client.Operations;

/// <summary>
/// Bytes per second over the last <c>window</c>, not since the start: a burst (a resumed part, a site cache answering
/// at once) does not show as a rate the link cannot keep, and a stall shows within the window.
/// </summary>
public sealed class SlidingRate(TimeSpan window)
{
    private readonly Queue<(double At, long Bytes)> _samples = new();

    /// <param name="at">Seconds since the transfer started.</param>
    /// <param name="cumulative">Bytes transferred so far.</param>
    public void Add(double at, long cumulative)
    {
        _samples.Enqueue((at, cumulative));
        while (_samples.Count > 2 && at - _samples.Peek().At > window.TotalSeconds) _samples.Dequeue();
    }

    /// <summary>Null until the samples span at least one second (no rate from a first burst).</summary>
    public double? PerSecond
    {
        get
        {
            if (_samples.Count < 2) return null;
            var first = _samples.Peek();
            var last = _samples.Last();
            var span = last.At - first.At;
            return span < 1 ? null : (last.Bytes - first.Bytes) / span;
        }
    }
}
