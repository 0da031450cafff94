using System.Text;

namespace Stork.Client.Guests;

/// <summary>One activation of an image package's trigger as dpkg records it: <paramref name="Package"/> gets
/// <paramref name="Trigger"/> in its Triggers-Pending, and <paramref name="Awaiter"/> (null: none) awaits it.</summary>
internal sealed record TriggerRecord(string Package, string Trigger, string? Awaiter);

/// <summary>
/// What dpkg does to its status when it incorporates triggers/Unincorp (lib/dpkg/triglib.c, trig_record_activation), for
/// the activations of triggers the guest's own dpkg packages are interested in: the interested package, when installed
/// (<c>installed</c>, <c>triggers-pending</c> or <c>triggers-awaited</c>), gets the trigger in <c>Triggers-Pending</c> and
/// becomes <c>triggers-pending</c> (<c>triggers-awaited</c> when it awaits others itself); the awaiting package, unless
/// the line said "-" or the interest is noawait, gets the interested package in <c>Triggers-Awaited</c> and becomes
/// <c>triggers-awaited</c> (from <c>installed</c> or <c>triggers-pending</c>). The guest's next <c>dpkg --configure -a</c>
/// or <c>dpkg --triggers-only -a</c> then runs the pending <c>postinst triggered</c> and clears the awaiters. Only the
/// paragraphs that change are rewritten, every other byte of the file is kept.
/// </summary>
internal static class DpkgIncorporation
{
    public const string PendingField = "Triggers-Pending";
    public const string AwaitedField = "Triggers-Awaited";
    private static readonly HashSet<string> Installed = new(StringComparer.Ordinal) { "installed", "triggers-pending", "triggers-awaited" };

    /// <summary>Records <paramref name="records"/> in the guest's status (replaced by rename, synced); false when it has none.</summary>
    public static bool Incorporate(GuestRoot root, IReadOnlyList<TriggerRecord> records)
    {
        if (root.ReadSmallFile(DpkgStatus.StatusPath, DpkgStatus.MaxBytes) is not { } bytes) return false;
        if (records.Count == 0) return true;
        var text = Encoding.UTF8.GetString(bytes);
        var updated = Apply(text, records);
        if (!ReferenceEquals(updated, text)) root.WriteFile(DpkgStatus.StatusPath, Encoding.UTF8.GetBytes(updated), 0x1A4 /* 0644 */, durable: true);
        return true;
    }

    /// <summary>The status text with <paramref name="records"/> recorded, in order; the same instance when nothing changed.</summary>
    public static string Apply(string status, IReadOnlyList<TriggerRecord> records)
    {
        var pieces = Pieces(status);
        var paragraphs = pieces.Where(p => p.Trim('\n').Length > 0).Select(p => new Paragraph(p)).ToList();
        bool changed = false;
        foreach (var record in records)
        {
            // An interest file may name "pkg:arch" (Multi-Arch: same); the status names the package and its architecture apart.
            var colon = record.Package.IndexOf(':');
            var (name, arch) = colon < 0 ? (record.Package, null) : (record.Package[..colon], record.Package[(colon + 1)..]);
            foreach (var pend in paragraphs.Where(p => p.Package == name && (arch is null || p.Get("Architecture") == arch) && !p.IsStork))
            {
                if (pend.State is not { } state || !Installed.Contains(state)) continue; // not installed: dpkg is "not interested then"
                if (!pend.Pending.Contains(record.Trigger))
                {
                    pend.Pending.Add(record.Trigger);
                    pend.State = pend.Awaited.Count > 0 ? "triggers-awaited" : "triggers-pending";
                    changed = true;
                }
                var awaiter = record.Awaiter?.Split(':')[0];
                if (awaiter is null || paragraphs.FirstOrDefault(p => p.Package == awaiter) is not { } aw) continue;
                if (!aw.Awaited.Contains(pend.Package!))
                {
                    aw.Awaited.Add(pend.Package!);
                    if (aw.State is "installed" or "triggers-pending") aw.State = "triggers-awaited";
                    changed = true;
                }
            }
        }
        if (!changed) return status;
        var text = new StringBuilder(status.Length + 256);
        int next = 0;
        foreach (var piece in pieces)
            text.Append(piece.Trim('\n').Length > 0 ? paragraphs[next++].Render() : piece);
        return text.ToString();
    }

    /// <summary>The value of a Triggers-Awaited or Triggers-Pending field of a status paragraph, as names (empty when absent).</summary>
    public static List<string> Names(string paragraph, string field) => new Paragraph(paragraph).Names(field);

    // Paragraphs (each with its final newline) and the runs of blank lines between them, which together are the text.
    private static List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int blank = text.IndexOf("\n\n", i, StringComparison.Ordinal);
            if (blank < 0) { pieces.Add(text[i..]); break; }
            pieces.Add(text[i..(blank + 1)]);
            int end = blank + 1;
            while (end < text.Length && text[end] == '\n') end++;
            pieces.Add(text[(blank + 1)..end]);
            i = end;
        }
        return pieces;
    }

    /// <summary>A status paragraph that keeps its lines as they were and rewrites only the fields a trigger changes.</summary>
    private sealed class Paragraph
    {
        private readonly List<string> _lines;
        private readonly bool _finalNewline;
        private readonly string? _originalState;
        public string? Package { get; }
        public bool IsStork { get; }
        public string? State { get; set; }
        public List<string> Pending { get; }
        public List<string> Awaited { get; }
        private readonly int _pendingCount, _awaitedCount;

        public Paragraph(string text)
        {
            _finalNewline = text.EndsWith('\n');
            _lines = (_finalNewline ? text[..^1] : text).Split('\n').ToList();
            Package = Get("Package");
            IsStork = Get(DpkgRegistration.Marker) is not null;
            var words = Get("Status")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            State = _originalState = words is { Length: 3 } ? words[2] : null;
            Pending = Names(PendingField);
            Awaited = Names(AwaitedField);
            (_pendingCount, _awaitedCount) = (Pending.Count, Awaited.Count);
        }

        public string? Get(string field)
        {
            var at = Find(field);
            return at < 0 ? null : Value(at);
        }

        public List<string> Names(string field)
        {
            var at = Find(field);
            return at < 0 ? [] : Value(at).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        }

        // A field's value with its continuation lines (dpkg writes these two fields on one line; a folded one is read too).
        private string Value(int at)
        {
            var value = new StringBuilder(_lines[at][(_lines[at].IndexOf(':') + 1)..]);
            for (int i = at + 1; i < _lines.Count && _lines[i].Length > 0 && _lines[i][0] is ' ' or '\t'; i++) value.Append(' ').Append(_lines[i]);
            return value.ToString().Trim();
        }

        private int Find(string field)
        {
            for (int i = 0; i < _lines.Count; i++)
                if (_lines[i].Length > field.Length && _lines[i][field.Length] == ':' && _lines[i].StartsWith(field, StringComparison.OrdinalIgnoreCase))
                    return i;
            return -1;
        }

        private int End(int at)
        {
            int i = at + 1;
            while (i < _lines.Count && _lines[i].Length > 0 && _lines[i][0] is ' ' or '\t') i++;
            return i;
        }

        public string Render()
        {
            if (State != _originalState)
            {
                var at = Find("Status");
                var words = Value(at).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                _lines.RemoveRange(at, End(at) - at);
                _lines.Insert(at, $"Status: {words[0]} {words[1]} {State}");
            }
            if (Pending.Count != _pendingCount) Set(PendingField, Pending, before: AwaitedField);
            if (Awaited.Count != _awaitedCount) Set(AwaitedField, Awaited, before: null);
            return string.Join('\n', _lines) + (_finalNewline ? "\n" : "");
        }

        // Replaces the field in place, or adds it where dpkg writes it: after Description (and Triggers-Pending for
        // Triggers-Awaited), before the fields dpkg does not know; at the end of a paragraph without a description.
        private void Set(string field, List<string> names, string? before)
        {
            var line = $"{field}: {string.Join(' ', names)}";
            var at = Find(field);
            if (at >= 0)
            {
                _lines.RemoveRange(at, End(at) - at);
                _lines.Insert(at, line);
                return;
            }
            int position;
            if (before is not null && Find(before) is >= 0 and var next) position = next;
            else if (Find(PendingField) is >= 0 and var pending) position = End(pending);
            else if (Find("Description") is >= 0 and var description) position = End(description);
            else position = _lines.Count;
            _lines.Insert(position, line);
        }
    }
}
