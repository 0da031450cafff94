using Microsoft.Win32.SafeHandles;

namespace Stork.Publishing.Repository;

/// <summary>
/// Sorts any number of records in bounded memory: records are collected in runs of <c>runSize</c>, each run is
/// sorted and spilled to an unlinked scratch file, and <see cref="Sorted"/> merges the runs (k-way). When
/// <see cref="FanIn"/> runs have been spilled they are merged into one longer run, so the merge never holds more
/// than <see cref="FanIn"/> read buffers however many records there are. A sort that fits in one run never
/// touches the disk. The comparer must be total (no two records equal), which makes the result deterministic.
/// </summary>
public sealed class ExternalSorter<T> : IDisposable
{
    public const int FanIn = 32;
    private const int ReadBuffer = 16 << 10;

    private readonly string _scratchPath;
    private readonly Comparison<T> _compare;
    private readonly Action<BinaryWriter, T> _write;
    private readonly Func<BinaryReader, T> _read;
    private readonly int _runSize;
    private readonly List<T> _run = [];
    private readonly List<(long Start, long End)> _spilled = [];
    private FileStream? _file;
    private BinaryWriter? _writer;
    private bool _sorting;

    public ExternalSorter(string scratchPath, Comparison<T> compare, Action<BinaryWriter, T> write, Func<BinaryReader, T> read, int runSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runSize, 2);
        _scratchPath = scratchPath;
        _compare = compare;
        _write = write;
        _read = read;
        _runSize = runSize;
    }

    public long Count { get; private set; }

    /// <summary>How many runs went to disk (for tests: the spill path was taken).</summary>
    public int RunsSpilled { get; private set; }

    public void Add(T item)
    {
        if (_sorting) throw new InvalidOperationException("records added after sorting began");
        _run.Add(item);
        Count++;
        if (_run.Count >= _runSize) Spill();
    }

    /// <summary>Every record in order, once.</summary>
    public IEnumerable<T> Sorted()
    {
        if (_sorting) throw new InvalidOperationException("sorted twice");
        _sorting = true;
        if (_spilled.Count == 0)
        {
            _run.Sort(_compare);
            return _run;
        }
        Spill();
        _writer!.Flush();
        return Merge([.. _spilled]);
    }

    private void Spill()
    {
        if (_run.Count == 0) return;
        if (_file is null)
        {
            _file = new FileStream(_scratchPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            // Unlinked at once: runs are read through the open handle, and a crash leaves nothing behind.
            File.Delete(_scratchPath);
            _writer = new BinaryWriter(_file);
        }
        _run.Sort(_compare);
        long start = _file.Position;
        foreach (var item in _run) _write(_writer!, item);
        _writer!.Flush();
        _spilled.Add((start, _file.Position));
        RunsSpilled++;
        _run.Clear();
        if (_spilled.Count >= FanIn)
        {
            // Fold the runs so far into one: the final merge keeps at most FanIn readers.
            var runs = _spilled.ToArray();
            _spilled.Clear();
            start = _file.Position;
            foreach (var item in Merge(runs)) _write(_writer, item);
            _writer.Flush();
            _spilled.Add((start, _file.Position));
        }
    }

    private IEnumerable<T> Merge((long Start, long End)[] runs)
    {
        var readers = new BinaryReader[runs.Length];
        var queue = new PriorityQueue<int, T>(runs.Length, Comparer<T>.Create(_compare));
        var heads = new T[runs.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            readers[i] = new BinaryReader(new RunStream(_file!.SafeFileHandle, runs[i].Start, runs[i].End));
            if (TryRead(i)) queue.Enqueue(i, heads[i]);
        }
        while (queue.TryDequeue(out int i, out var item))
        {
            yield return item;
            if (TryRead(i)) queue.Enqueue(i, heads[i]);
        }

        bool TryRead(int i)
        {
            if (readers[i].BaseStream.Position >= readers[i].BaseStream.Length) return false;
            heads[i] = _read(readers[i]);
            return true;
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _file?.Dispose();
    }

    /// <summary>One run of the scratch file, read through a small buffer at its own position (pread, not the stream's).</summary>
    private sealed class RunStream(SafeFileHandle handle, long start, long end) : Stream
    {
        private readonly byte[] _buffer = new byte[ReadBuffer];
        private readonly long _start = start;
        private long _position = start;
        private int _bufferStart, _bufferEnd;

        public override int Read(Span<byte> destination)
        {
            if (_bufferStart == _bufferEnd)
            {
                int want = (int)Math.Min(_buffer.Length, end - _position);
                if (want <= 0) return 0;
                int n = RandomAccess.Read(handle, _buffer.AsSpan(0, want), _position);
                if (n <= 0) throw new IOException("a sort run ends early in the scratch file");
                _position += n;
                _bufferStart = 0;
                _bufferEnd = n;
            }
            int count = Math.Min(destination.Length, _bufferEnd - _bufferStart);
            _buffer.AsSpan(_bufferStart, count).CopyTo(destination);
            _bufferStart += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return Read(one) == 0 ? -1 : one[0];
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => end - _start;
        public override long Position { get => _position - (_bufferEnd - _bufferStart) - _start; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
