using System.Text.Json;

namespace Stork.Publishing.Repository;

/// <summary>
/// Reads a JSON file token by token through a small window (Utf8JsonReader over a buffer refilled from the file),
/// so a queue or role file of any size is read without holding it, or a DOM of it, in memory. Values the caller
/// wants whole come back as their exact bytes (<see cref="ReadValue"/>); the buffer grows only to the largest of them.
/// </summary>
internal sealed class JsonStreamReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private long _bufferOffset; // file offset of _buffer[0]
    private bool _eof;
    private JsonReaderState _state;

    public JsonStreamReader(Stream stream) => _stream = stream;

    public JsonTokenType TokenType { get; private set; }

    /// <summary>The text of the last property name or string token.</summary>
    public string? String { get; private set; }

    /// <summary>Reads the next token; false at the end of the input.</summary>
    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _state);
            if (reader.Read())
            {
                TokenType = reader.TokenType;
                String = reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null;
                Advance(ref reader);
                return true;
            }
            if (_eof) return false;
            Fill();
        }
    }

    /// <summary>Reads the next value whole (after a property name) and returns its bytes and its offset in the file.</summary>
    public (byte[] Bytes, long Offset) ReadValue()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _state);
            if (reader.Read())
            {
                int tokenStart = (int)reader.TokenStartIndex;
                TokenType = reader.TokenType;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    if (_eof) throw new JsonException("the file ends inside a value");
                    Fill();
                    continue;
                }
                var bytes = _buffer.AsSpan(_start + tokenStart, (int)reader.BytesConsumed - tokenStart).ToArray();
                long offset = _bufferOffset + _start + tokenStart;
                Advance(ref reader);
                return (bytes, offset);
            }
            if (_eof) throw new JsonException("the file ends where a value was expected");
            Fill();
        }
    }

    /// <summary>Skips the next value (after a property name) without keeping it.</summary>
    public void SkipValue() => ReadValue();

    private void Advance(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private void Fill()
    {
        int kept = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
            _bufferOffset += _start;
            _start = 0;
            _end = kept;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true;
        _end += n;
    }

    public void Dispose() => _stream.Dispose();
}
