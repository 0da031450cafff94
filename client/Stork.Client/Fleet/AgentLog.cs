namespace Stork.Client.Fleet;

/// <summary>syslog priorities that journald reads from a "&lt;N&gt;" prefix (sd-daemon(3)).</summary>
public enum LogPriority { Critical = 2, Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 }

/// <summary>
/// The agent's log: one line per event, prefixed with its priority so journald files it right (SyslogLevelPrefix=
/// is on by default for services); a person running the agent in a terminal sees the same lines.
/// </summary>
public sealed class AgentLog(TextWriter writer)
{
    private readonly Lock _lock = new();

    public void Write(LogPriority priority, string message)
    {
        // One event, one line: embedded newlines (multi-line solver explanations) become " | ".
        var line = $"<{(int)priority}>{message.Replace("\r", "").Replace("\n", " | ")}";
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    public void Error(string message) => Write(LogPriority.Error, message);
    public void Warning(string message) => Write(LogPriority.Warning, message);
    public void Notice(string message) => Write(LogPriority.Notice, message);
    public void Info(string message) => Write(LogPriority.Info, message);
}
