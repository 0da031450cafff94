using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Stork.Client.Fetching;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// Blob download progress on stderr: one overall bar (bytes, blobs done/total, rate over a sliding window, ETA), at
/// most <see cref="MaxRows"/> rows for the downloads in flight (finished ones disappear), and one final total line.
/// </summary>
internal static class ProgressBars
{
    public const int MaxRows = 3;

    public static async Task<T> RunAsync<T>(ParseResult result, HostSession session, Func<Task<T>> work)
    {
        if (!GlobalOptions.WantsProgress(result)) return await work();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        Overall? overall = null;
        var value = await console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async context =>
            {
                overall = new Overall(context);
                session.TransferProgress = overall;
                session.OnDownloadPlanned = overall.Plan;
                try { return await work(); }
                finally { session.TransferProgress = null; session.OnDownloadPlanned = null; overall.Finish(); }
            });
        if (overall is { Blobs: > 0 } o)
            console.MarkupLine(Markup.Escape($"fetched {Bytes.Format(o.BytesDone)} in {o.Blobs} blob{(o.Blobs == 1 ? "" : "s")} in {o.Elapsed.TotalSeconds:0.0} s ({Bytes.Format((long)(o.BytesDone / Math.Max(0.001, o.Elapsed.TotalSeconds)))}/s)"));
        return value;
    }

    private sealed class Overall : ITransferProgress
    {
        private readonly object _gate = new();
        private readonly ProgressContext _context;
        private readonly ProgressTask _bar;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly SlidingRate _rate = new(TimeSpan.FromSeconds(5));
        private int _planned, _active;
        private long _plannedBytes;

        public int Blobs { get; private set; }
        public long BytesDone { get; private set; }
        public TimeSpan Elapsed => _clock.Elapsed;

        public Overall(ProgressContext context)
        {
            _context = context;
            _bar = context.AddTask("waiting for downloads", maxValue: 1);
        }

        public void Plan(int blobs, long bytes)
        {
            lock (_gate) { _planned += blobs; _plannedBytes += bytes; _bar.MaxValue = Math.Max(1, _plannedBytes); Describe(); }
        }

        public ITransferTask Start(string label, long total, long already)
        {
            lock (_gate)
            {
                if (!label.EndsWith(".stork", StringComparison.Ordinal)) return new Quiet(); // metadata: tiny, not shown
                if (_planned == 0) { _plannedBytes += total; _bar.MaxValue = Math.Max(1, _plannedBytes); }
                ProgressTask? row = null;
                if (_active < MaxRows)
                {
                    var dot = label.IndexOf('.');
                    var name = dot == 64 ? label[(dot + 1)..^6] : label[..^6];
                    if (name.Length > 40) name = name[^40..];
                    row = _context.AddTask("  " + Markup.Escape(name), maxValue: Math.Max(1, total));
                    row.Value = already;
                }
                _active++;
                Add(already);
                return new Row(this, row);
            }
        }

        private void Add(long bytes)
        {
            BytesDone += bytes;
            _bar.Value = Math.Min(_bar.MaxValue, BytesDone);
            _rate.Add(_clock.Elapsed.TotalSeconds, BytesDone);
            Describe();
        }

        private void Describe()
        {
            var rate = _rate.PerSecond;
            var left = Math.Max(0, _plannedBytes - BytesDone);
            var eta = rate is > 0 ? TimeSpan.FromSeconds(left / rate.Value) : (TimeSpan?)null;
            var total = _planned > 0 ? _planned.ToString() : "?";
            _bar.Description = Markup.Escape($"{Blobs}/{total} blobs  {Bytes.Format(BytesDone)}/{Bytes.Format(_plannedBytes)}  "
                + (rate is { } r ? $"{Bytes.Format((long)r)}/s" : "-- /s") + (eta is { } e ? $"  ETA {e:m\\:ss}" : ""));
        }

        public void Finish() { lock (_gate) { _bar.Value = _bar.MaxValue; _bar.StopTask(); } }

        private sealed class Row(Overall overall, ProgressTask? task) : ITransferTask
        {
            public void Advance(long bytes) { lock (overall._gate) { task?.Increment(bytes); overall.Add(bytes); } }
            public void Dispose()
            {
                lock (overall._gate)
                {
                    overall._active--;
                    overall.Blobs++;
                    if (task is not null) { task.Value = task.MaxValue; task.StopTask(); }
                    overall.Describe();
                }
            }
        }

        private sealed class Quiet : ITransferTask
        {
            public void Advance(long bytes) { }
            public void Dispose() { }
        }
    }
}
