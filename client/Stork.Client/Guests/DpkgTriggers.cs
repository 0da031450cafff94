using System.Text;
using Stork.Client.Model;

namespace Stork.Client.Guests;

/// <summary>One line of dpkg's triggers/Unincorp: a trigger activated and the packages awaiting it ("-": none).</summary>
internal sealed record TriggerActivation(string Trigger, IReadOnlyList<string> Awaiters);

/// <summary>One of the guest's own dpkg packages interested in a trigger: the name dpkg records as pending, and whether it is awaited.</summary>
internal sealed record TriggerInterest(string Package, string Pending, bool NoAwait);

/// <summary>
/// The guest's dpkg trigger database (/var/lib/dpkg/triggers), as far as Stork needs it. <c>dpkg-trigger NAME</c>, run by
/// a maintainer script, adds NAME and the awaiting package (or "-" with --no-await) to triggers/Unincorp, a line per
/// trigger ("NAME PKG..."); dpkg incorporates that file at its next run (it becomes the interested packages'
/// Triggers-Pending) and empties it. Which of the guest's own dpkg packages are interested in a trigger is in
/// triggers/NAME (a package per line, "/noawait" appended or not) and, for file triggers, triggers/File ("PATH PKG").
/// Everything here is guest data: read through the root handle, bounded, parsed as strictly as dpkg does; a file that
/// is not what dpkg writes is a <see cref="GuestException"/> naming it.
/// </summary>
internal static class DpkgTriggers
{
    public const string Dir = "var/lib/dpkg/triggers";
    public const string UnincorpPath = Dir + "/Unincorp";
    private const string FileTriggersPath = Dir + "/File";
    /// <summary>dpkg writes a line per activated trigger: a few hundred bytes. 1 MiB is far beyond any real one.</summary>
    public const int MaxBytes = 1 << 20;
    // dpkg reads these files with fgets into a _POSIX2_LINE_MAX buffer and fails on a longer line.
    private const int MaxLine = 2048;
    private static readonly char[] Blanks = [' ', '\t'];

    /// <summary>The pending activations, in file order; empty when the guest has no Unincorp.</summary>
    public static IReadOnlyList<TriggerActivation> ReadUnincorp(GuestRoot root) =>
        root.ReadSmallFile(UnincorpPath, MaxBytes) is { } bytes ? ParseUnincorp(bytes, root.Name) : [];

    /// <summary>dpkg's grammar (lib/dpkg/trigdeferred.c): "NAME [PKG...]" per line, blank lines and #-comments skipped.</summary>
    public static IReadOnlyList<TriggerActivation> ParseUnincorp(ReadOnlySpan<byte> bytes, string guest)
    {
        var result = new List<TriggerActivation>();
        int number = 0;
        foreach (var raw in Lines(bytes, guest, UnincorpPath))
        {
            number++;
            var line = raw.TrimStart(Blanks);
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (line[^1] is ' ' or '\t') throw Bad(guest, UnincorpPath, number, "trailing white space");
            if (TriggerNameProblem(fields[0]) is { } why) throw Bad(guest, UnincorpPath, number, $"trigger name '{Shown(fields[0])}' {why}");
            foreach (var package in fields.Skip(1))
                if (!IsAwaiter(package)) throw Bad(guest, UnincorpPath, number, $"'{Shown(package)}' is not a package name or '-'");
            result.Add(new TriggerActivation(fields[0], fields.Skip(1).ToList()));
        }
        return result;
    }

    /// <summary>Replaces Unincorp with <paramref name="kept"/> (dpkg's own format), by rename as dpkg does.</summary>
    public static void WriteUnincorp(GuestRoot root, IReadOnlyList<TriggerActivation> kept)
    {
        var text = new StringBuilder();
        foreach (var activation in kept)
        {
            text.Append(activation.Trigger);
            foreach (var awaiter in activation.Awaiters) text.Append(' ').Append(awaiter);
            text.Append('\n');
        }
        root.WriteFile(UnincorpPath, Encoding.ASCII.GetBytes(text.ToString()), 0x1A4 /* 0644 */, durable: true);
    }

    /// <summary>
    /// The guest's own dpkg packages interested in <paramref name="trigger"/>, as dpkg finds them when it incorporates an
    /// activation: triggers/NAME (a package per line, "/noawait" appended or not), or for a path the triggers/File lines
    /// naming exactly that path (dpkg looks up the activated path itself, not its parents). Each with the name dpkg
    /// records in its Triggers-Pending (the trigger, or the interest's path) and whether it is awaited.
    /// </summary>
    public static IReadOnlyList<TriggerInterest> ImageInterest(GuestRoot root, string trigger)
    {
        var found = new List<TriggerInterest>();
        if (trigger.StartsWith('/'))
        {
            if (root.ReadSmallFile(FileTriggersPath, MaxBytes) is not { } bytes) return found;
            foreach (var line in Lines(bytes, root.Name, FileTriggersPath))
            {
                var fields = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 2 && fields[0].TrimEnd('/') == trigger.TrimEnd('/')) found.Add(Interest(fields[1], fields[0]));
            }
            return found;
        }
        // A name that is not a plain file name of the directory (or is one of dpkg's own files there) has no interest file.
        if (trigger is "." or ".." or "File" or "Lock" or "Unincorp" || trigger.Contains('/') || trigger.EndsWith(".new", StringComparison.Ordinal)) return found;
        if (root.ReadSmallFile($"{Dir}/{trigger}", MaxBytes) is not { } interest) return found;
        foreach (var line in Lines(interest, root.Name, $"{Dir}/{trigger}"))
            if (line.Trim() is { Length: > 0 } package) found.Add(Interest(package, trigger));
        return found;
    }

    private static TriggerInterest Interest(string package, string pending) =>
        package.EndsWith("/noawait", StringComparison.Ordinal) ? new(package[..^"/noawait".Length], pending, NoAwait: true) : new(package, pending, NoAwait: false);

    /// <summary>True when the file trigger <paramref name="interest"/> (a path) is activated by <paramref name="path"/>: the path itself or anything under it.</summary>
    public static bool Covers(string interest, string path)
    {
        var directory = interest.TrimEnd('/');
        return path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);
    }

    // dpkg's trig_name_is_illegal: not empty, printable ASCII without spaces.
    private static string? TriggerNameProblem(string name) =>
        name.Length == 0 ? "is empty" : name.Any(c => c < 0x21 || c > 0x7e) ? "has a character dpkg does not allow" : null;

    // An awaiting package as dpkg writes it ("-" for none): [0-9a-z-][0-9a-z-:+.]*, but not "-" followed by more.
    private static bool IsAwaiter(string name) =>
        name == "-" || (name[0] != '-' && (char.IsAsciiDigit(name[0]) || char.IsAsciiLetterLower(name[0])) &&
            name.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '-' or ':' or '+' or '.'));

    private static List<string> Lines(ReadOnlySpan<byte> bytes, string guest, string path)
    {
        var lines = new List<string>();
        int number = 0;
        while (bytes.Length > 0)
        {
            number++;
            int end = bytes.IndexOf((byte)'\n');
            var line = end < 0 ? bytes : bytes[..end];
            if (line.Length >= MaxLine) throw Bad(guest, path, number, $"longer than {MaxLine} bytes");
            foreach (var b in line)
                if (b == 0 || b > 0x7e || (b < 0x20 && b != '\t'))
                    throw Bad(guest, path, number, $"byte 0x{b:x2} (dpkg writes printable ASCII)");
            lines.Add(Encoding.ASCII.GetString(line));
            bytes = end < 0 ? [] : bytes[(end + 1)..];
        }
        return lines;
    }

    private static string Shown(string text) => text.Length > 60 ? text[..60] + "..." : text;

    private static GuestException Bad(string guest, string path, int line, string why) =>
        new($"guest '{guest}': '/{path}' line {line}: {why}; it is the guest's dpkg trigger database and neither Stork nor dpkg can read it: " +
            "repair it (or empty it) inside the guest and run the command again");
}
