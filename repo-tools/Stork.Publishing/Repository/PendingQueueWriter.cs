using System.Text.Json;

namespace Stork.Publishing.Repository;

/// <summary>
/// Writes <c>pending-targets.json</c> as a stream, entry by entry, given in order of role then path: to a temporary
/// file that replaces the queue only at <see cref="Complete"/>. Small queues are indented for people to read.
/// </summary>
internal sealed class PendingQueueWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _writer;
    private string? _role;
    private bool _completed;

    public PendingQueueWriter(string path, int count)
    {
        _path = path;
        _temp = path + ".tmp";
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _writer = new Utf8JsonWriter(_stream, new() { Indented = count < 1000 });
        _writer.WriteStartObject();
        _writer.WriteStartObject("roles");
    }

    /// <summary>Appends one entry (its JSON bytes, in any valid layout).</summary>
    public void Write(string role, string targetPath, ReadOnlySpan<byte> entry)
    {
        if (role != _role)
        {
            if (_role is not null) _writer.WriteEndObject();
            _writer.WriteStartObject(role);
            _role = role;
        }
        _writer.WritePropertyName(targetPath);
        CopyValue(entry, _writer);
        // Utf8JsonWriter keeps everything in its own buffer until flushed: without this the whole queue is in memory.
        if (_writer.BytesPending >= 1 << 16) _writer.Flush();
    }

    /// <summary>Finishes the file and puts it in place of the queue.</summary>
    public void Complete()
    {
        if (_role is not null) _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.Flush();
        _stream.Flush(flushToDisk: false);
        _writer.Dispose();
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _completed = true;
    }

    /// <summary>Copies a JSON value token by token (no DOM), so the writer lays it out like the rest of the file.</summary>
    private static void CopyValue(ReadOnlySpan<byte> json, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped) writer.WritePropertyName(reader.GetString()!);
                    else writer.WritePropertyName(reader.ValueSpan);
                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped) writer.WriteStringValue(reader.GetString());
                    else writer.WriteStringValue(reader.ValueSpan);
                    break;
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                case JsonTokenType.Null: writer.WriteNullValue(); break;
            }
        }
    }

    public void Dispose()
    {
        if (_completed) return;
        _writer.Dispose();
        _stream.Dispose();
        File.Delete(_temp);
    }
}
