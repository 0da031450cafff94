using Spectre.Console;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// Tables on stdout: box-drawn (Spectre.Console) for a person at a terminal; plain space-aligned columns with a header
/// line when stdout is a pipe or a file, or when NO_COLOR is set (no box drawing, no escape codes). --json is for machines.
/// </summary>
internal static class Tables
{
    public static bool Plain => Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };

    public static void Write(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var list = rows.ToList();
        if (Plain)
        {
            var widths = headers.Select((h, i) => Math.Max(h.Length, list.Count == 0 ? 0 : list.Max(r => r[i].Length))).ToArray();
            Console.WriteLine(Line(headers, widths));
            foreach (var row in list) Console.WriteLine(Line(row, widths));
            return;
        }
        var table = new Table().AddColumns(headers.Select(Markup.Escape).ToArray());
        foreach (var row in list) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths)
        => string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
