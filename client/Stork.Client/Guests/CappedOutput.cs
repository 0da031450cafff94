using System.Text;

namespace Stork.Client.Guests;

/// <summary>
/// A script's output lines, bounded: the first half of the cap is kept as it came, then only the most recent lines
/// that fit in the other half, so both how a script started and why it failed (its last lines) survive a flood.
/// </summary>
internal sealed class CappedOutput(int maxChars)
{
    private readonly StringBuilder _head = new();
    private readonly Queue<string> _tail = new();
    private long _tailChars;

    /// <summary>Characters dropped between the head and the tail.</summary>
    public long CutChars { get; private set; }

    public void Add(string line)
    {
        var entry = line + "\n";
        if (_tail.Count == 0 && _head.Length + entry.Length <= maxChars / 2)
        {
            _head.Append(entry);
            return;
        }
        _tail.Enqueue(entry);
        _tailChars += entry.Length;
        while (_tailChars > maxChars / 2 && _tail.Count > 0)
        {
            var dropped = _tail.Dequeue();
            _tailChars -= dropped.Length;
            CutChars += dropped.Length;
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder(_head.ToString());
        if (CutChars > 0) text.Append("[stork-get: ").Append(CutChars).Append(" characters of output cut here]\n");
        foreach (var line in _tail) text.Append(line);
        return text.ToString();
    }
}
