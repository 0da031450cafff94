using System.Text.Json;
using NuGet.Versioning;
using Stork.Resolver.Model;

namespace Stork.Resolver.Universe;

/// <summary>
/// Parses the universe JSON-lines format (format-spec/RESOLVER-SEMANTICS.md): one package object per line with
/// name, version, depends, conflicts, provides. Pure parsing of bytes the caller supplies; no file access.
/// Repeated strings (names, versions, references) are parsed once and shared, which keeps loading fast.
/// </summary>
public sealed class UniverseReader
{
    private readonly Utf8Interner<string> _names = new(text => text);
    private readonly Utf8Interner<Reference> _references = new(ReferenceParser.Parse);
    private readonly Utf8Interner<Provide> _provides = new(ReferenceParser.ParseProvide);
    private readonly Utf8Interner<NuGetVersion> _versions = new(ParseVersion);
    private readonly List<Reference> _clause = new(8);
    private readonly List<IReadOnlyList<Reference>> _clauses = new(32);
    private byte[] _unescaped = new byte[256];

    public static List<Candidate> Read(Stream stream) => new UniverseReader().ReadAll(stream);

    /// <summary>
    /// Parses a whole universe held in memory, splitting it at line boundaries into one part per processor.
    /// The result is the same list, in file order, as a sequential read.
    /// </summary>
    public static List<Candidate> ReadParallel(ReadOnlyMemory<byte> bytes, int parts = 0)
    {
        if (parts <= 0) parts = Math.Clamp(Environment.ProcessorCount, 1, 8);
        if (parts == 1 || bytes.Length < 1 << 20) return new UniverseReader().ReadAll(bytes.Span);
        var ranges = new List<(int Start, int Length, int FirstLine)>();
        int start = 0, firstLine = 0;
        for (int part = 1; part <= parts; part++)
        {
            int end = part == parts ? bytes.Length : bytes.Length / parts * part;
            if (end < bytes.Length)
            {
                int newline = bytes.Span[end..].IndexOf((byte)'\n');
                end = newline < 0 ? bytes.Length : end + newline + 1;
            }
            if (end <= start) continue;
            ranges.Add((start, end - start, firstLine));
            firstLine += bytes.Span.Slice(start, end - start).Count((byte)'\n');
            start = end;
        }
        var results = new List<Candidate>[ranges.Count];
        try
        {
            Parallel.For(0, ranges.Count, i =>
            {
                var (partStart, length, lines) = ranges[i];
                results[i] = new UniverseReader().ReadAll(bytes.Span.Slice(partStart, length), lines);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is UniverseFormatException))
        {
            // Report the first bad line of the file, as a sequential read would.
            throw e.InnerExceptions.Cast<UniverseFormatException>().MinBy(inner => inner.Line)!;
        }
        var all = new List<Candidate>(results.Sum(r => r.Count));
        foreach (var part in results) all.AddRange(part);
        return all;
    }

    public List<Candidate> ReadAll(Stream stream) => ReadAll(ReadToEnd(stream));

    /// <summary>Parses JSON lines; <paramref name="linesBefore"/> offsets the line numbers in error reports.</summary>
    public List<Candidate> ReadAll(ReadOnlySpan<byte> bytes, int linesBefore = 0)
    {
        var result = new List<Candidate>(bytes.Length / 180);
        int line = linesBefore;
        while (!bytes.IsEmpty)
        {
            int end = bytes.IndexOf((byte)'\n');
            var span = end < 0 ? bytes : bytes[..end];
            bytes = end < 0 ? [] : bytes[(end + 1)..];
            line++;
            if (IsBlank(span)) continue;
            try
            {
                result.Add(ParseLine(span));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new UniverseFormatException(line, e.Message, e);
            }
        }
        return result;
    }

    /// <summary>The stream's remaining bytes; a MemoryStream with a visible buffer is used in place, without a copy.</summary>
    internal static ReadOnlySpan<byte> ReadToEnd(Stream stream)
    {
        if (stream is MemoryStream memory && memory.TryGetBuffer(out var segment))
            return segment.AsSpan((int)memory.Position);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.GetBuffer().AsSpan(0, (int)copy.Length);
    }

    internal static bool IsBlank(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    private Candidate ParseLine(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        string? name = null;
        NuGetVersion? version = null;
        IReadOnlyList<IReadOnlyList<Reference>> depends = [];
        IReadOnlyList<Reference> conflicts = [];
        IReadOnlyList<Provide> provides = [];
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.TokenType != JsonTokenType.PropertyName) throw new FormatException("expected a property name");
            if (reader.ValueTextEquals("name"u8)) { Read(ref reader); name = Intern(_names, ref reader); }
            else if (reader.ValueTextEquals("version"u8)) { Read(ref reader); version = Intern(_versions, ref reader); }
            else if (reader.ValueTextEquals("depends"u8)) depends = ReadClauses(ref reader);
            else if (reader.ValueTextEquals("conflicts"u8)) conflicts = ReadList(ref reader, _references);
            else if (reader.ValueTextEquals("provides"u8)) provides = ReadList(ref reader, _provides);
            else { Read(ref reader); reader.Skip(); }
        }
        if (name is null || name.Length == 0) throw new FormatException("missing \"name\"");
        if (version is null) throw new FormatException($"package {name}: missing \"version\"");
        return new Candidate(name, version, depends, conflicts, provides);
    }

    private static NuGetVersion ParseVersion(string text) =>
        ReferenceParser.ParseVersion(text) ?? throw new FormatException($"'{text}' is not a SemVer version");

    private IReadOnlyList<IReadOnlyList<Reference>> ReadClauses(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray) throw new FormatException("\"depends\" must be a list of lists");
        _clauses.Clear();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return _clauses.Count == 0 ? [] : _clauses.ToArray();
            if (reader.TokenType != JsonTokenType.StartArray) throw new FormatException("a depends clause must be a list");
            _clause.Clear();
            while (true)
            {
                Read(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray) break;
                _clause.Add(Intern(_references, ref reader));
            }
            if (_clause.Count == 0) throw new FormatException("a depends clause must not be empty");
            _clauses.Add(_clause.ToArray());
        }
    }

    /// <summary>A list of strings as an exact-size array (the universe holds hundreds of thousands of these).</summary>
    private T[] ReadList<T>(ref Utf8JsonReader reader, Utf8Interner<T> cache)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray) throw new FormatException("expected a list of strings");
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.EndArray) return [];
        var first = Intern(cache, ref reader);
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.EndArray) return [first];
        var items = new List<T>(4) { first };
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(Intern(cache, ref reader));
            Read(ref reader);
        }
        return items.ToArray();
    }

    /// <summary>Parses a string token once per distinct text, looking it up by its UTF-8 bytes.</summary>
    private T Intern<T>(Utf8Interner<T> cache, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) throw new FormatException("expected a string");
        if (!reader.ValueIsEscaped && !reader.HasValueSequence) return cache.Get(reader.ValueSpan);
        int length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (_unescaped.Length < length) _unescaped = new byte[length * 2];
        int written = reader.CopyString(_unescaped);
        return cache.Get(_unescaped.AsSpan(0, written));
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        Read(ref reader);
        if (reader.TokenType != type) throw new FormatException($"expected {type}");
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new FormatException("unexpected end of line");
    }
}
