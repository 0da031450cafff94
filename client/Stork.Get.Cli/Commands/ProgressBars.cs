using System.CommandLine;
using Spectre.Console;
using Stork.Client.Fetching;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

/// <summary>Byte progress bars for blob downloads, drawn on stderr with Spectre.Console while <c>work</c> runs.</summary>
internal static class ProgressBars
{
    public static async Task<T> RunAsync<T>(ParseResult result, HostSession session, Func<Task<T>> work)
    {
        if (!GlobalOptions.WantsProgress(result)) return await work();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async context =>
            {
                session.TransferProgress = new SpectreProgress(context);
                try { return await work(); }
                finally { session.TransferProgress = null; }
            });
    }

    private sealed class SpectreProgress(ProgressContext context) : ITransferProgress
    {
        private readonly object _gate = new();

        public ITransferTask Start(string label, long total, long already)
        {
            lock (_gate)
            {
                // Blob names are HASH.NAME-VERSION.stork: show NAME-VERSION.
                var dot = label.IndexOf('.');
                var name = dot == 64 ? label[(dot + 1)..] : label;
                if (name.EndsWith(".stork", StringComparison.Ordinal)) name = name[..^6];
                if (name.Length > 40) name = name[^40..];
                var task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, total));
                task.Value = already;
                return new Bar(task, _gate);
            }
        }
    }

    private sealed class Bar(ProgressTask task, object gate) : ITransferTask
    {
        public void Advance(long bytes) { lock (gate) task.Increment(bytes); }
        public void Dispose() { lock (gate) task.StopTask(); }
    }
}
