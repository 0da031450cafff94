using System.Text.Json;

namespace Stork.Solve;

/// <summary>Writes one compact JSON object per line without reflection (NativeAOT-safe).</summary>
internal sealed class JsonLines(Stream stream) : IDisposable
{
    private readonly Utf8JsonWriter _writer = new(stream);

    public void Write(Action<Utf8JsonWriter> properties)
    {
        _writer.WriteStartObject();
        properties(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        _writer.Reset();
        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    public void Dispose()
    {
        _writer.Dispose();
        stream.Dispose();
    }
}
