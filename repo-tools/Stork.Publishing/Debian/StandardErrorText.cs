using System.Diagnostics;
using System.Text;

namespace Stork.Publishing.Debian;

/// <summary>
/// A child's standard error, collected line by line by the process's own reader while the caller reads standard
/// output, so neither pipe can fill and stall the child, and nothing blocks on a task. Complete once the caller's
/// <see cref="Process.WaitForExit()"/> (without a timeout) returns: that waits for the end of the redirected streams.
/// </summary>
internal sealed class StandardErrorText
{
    private readonly StringBuilder _text = new();

    private StandardErrorText() { }

    /// <summary>Starts collecting; the process must have been started with standard error redirected.</summary>
    public static StandardErrorText Collect(Process process)
    {
        var collected = new StandardErrorText();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (collected._text) collected._text.Append(e.Data).Append('\n');
        };
        process.BeginErrorReadLine();
        return collected;
    }

    public override string ToString()
    {
        lock (_text) return _text.ToString();
    }
}
