namespace Stork.Publishing.Debian;

/// <summary>A Debian control paragraph (deb-control(5)): fields by name, case-insensitive, continuation lines joined.</summary>
public sealed class DebControl
{
    readonly Dictionary<string, string> _fields = new(StringComparer.OrdinalIgnoreCase);

    public string? this[string field] => _fields.TryGetValue(field, out var v) ? v : null;

    public static DebControl Parse(string text)
    {
        var control = new DebControl();
        string? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) { if (control._fields.Count > 0) break; continue; }
            if (line[0] is ' ' or '\t')
            {
                if (current is null) throw new Stork.Format.Debian.DebianFormatException("control file: continuation line before any field");
                control._fields[current] += "\n" + line[1..];
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new Stork.Format.Debian.DebianFormatException($"control file: line '{line}' is not 'Field: value'");
            current = line[..colon].Trim();
            control._fields[current] = line[(colon + 1)..].Trim();
        }
        return control;
    }

    /// <summary>Every paragraph of a Packages/status file.</summary>
    public static IEnumerable<DebControl> ParseAll(TextReader reader)
    {
        var block = new System.Text.StringBuilder();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                if (block.Length > 0) { yield return Parse(block.ToString()); block.Clear(); }
                continue;
            }
            block.Append(line).Append('\n');
        }
        if (block.Length > 0) yield return Parse(block.ToString());
    }
}
