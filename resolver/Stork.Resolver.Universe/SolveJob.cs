using System.Text.Json;
using Stork.Resolver.Model;

namespace Stork.Resolver.Universe;

/// <summary>One line of a jobs file: install items, plus the reference verdict when the file carries one.</summary>
public sealed record SolveJob(string Id, IReadOnlyList<Reference> Install, bool? ExpectSolvable, int? ExpectSize, double? ExpectMs)
{
    /// <summary>Parses a jobs JSON-lines file: {"id": ..., "install": [...], "expect": {...}} per line.</summary>
    public static List<SolveJob> ReadAll(Stream stream)
    {
        var bytes = UniverseReader.ReadToEnd(stream);
        var jobs = new List<SolveJob>();
        int line = 0;
        while (!bytes.IsEmpty)
        {
            int end = bytes.IndexOf((byte)'\n');
            var span = end < 0 ? bytes : bytes[..end];
            bytes = end < 0 ? [] : bytes[(end + 1)..];
            line++;
            if (UniverseReader.IsBlank(span)) continue;
            try
            {
                jobs.Add(Parse(span, line));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new UniverseFormatException(line, e.Message, e);
            }
        }
        return jobs;
    }

    private static SolveJob Parse(ReadOnlySpan<byte> json, int line)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("a job must be a JSON object");
        string id = root.TryGetProperty("id", out var idElement) ? idElement.ToString() : $"line-{line}";
        if (!root.TryGetProperty("install", out var install) || install.ValueKind != JsonValueKind.Array)
            throw new FormatException($"job {id}: missing \"install\" list");
        var items = new List<Reference>();
        foreach (var item in install.EnumerateArray())
            items.Add(Reference.Parse(item.GetString() ?? throw new FormatException($"job {id}: install items must be strings")));
        bool? solvable = null; int? size = null; double? ms = null;
        if (root.TryGetProperty("expect", out var expect) && expect.ValueKind == JsonValueKind.Object)
        {
            if (expect.TryGetProperty("solvable", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False) solvable = s.GetBoolean();
            if (expect.TryGetProperty("libsolv_size", out var n) && n.ValueKind == JsonValueKind.Number) size = n.GetInt32();
            if (expect.TryGetProperty("libsolv_ms", out var t) && t.ValueKind == JsonValueKind.Number) ms = t.GetDouble();
        }
        return new SolveJob(id, items, solvable, size, ms);
    }
}
