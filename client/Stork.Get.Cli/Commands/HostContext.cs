using System.CommandLine;
using Stork.Client.Guests;
using Stork.Client.Operations;
using Stork.Client.State;

namespace Stork.Get.Cli.Commands;

/// <summary>Opens the host database and the guest services for commands that touch guests.</summary>
internal sealed class HostContext : IDisposable
{
    public HostPaths Paths { get; }
    public HostDatabase Database { get; }
    public GuestRegistry Guests { get; }
    public GuestInstaller Installer { get; }
    public GuestMaintenance Maintenance { get; }

    public HostContext(ParseResult result)
    {
        Paths = GlobalOptions.PathsOf(result);
        using (Stork.Client.Diagnostics.PhaseTimings.Measure("open host database"))
            Database = HostDatabase.Open(Paths);
        Guests = new GuestRegistry(Database);
        Installer = new GuestInstaller(Paths, Database, TimeProvider.System) { OnWait = Output.Note };
        Maintenance = new GuestMaintenance(Paths, Database, Installer) { OnWait = Output.Note };
        foreach (var guest in Guests.ListGuests()) _generationsAtStart[guest.Name] = Database.Generations.Current(guest.Name);
        _byApply = result.CommandResult.Command.Name == "apply";
    }

    private readonly bool _byApply;

    // Each guest's generation when the command started: every newer one it made gets a note of who and how.
    private readonly Dictionary<string, int> _generationsAtStart = new(StringComparer.Ordinal);

    /// <summary>The command line as typed (set by Program.cs), for the history notes.</summary>
    public static string[] Args { get; set; } = [];

    private void NoteNewGenerations()
    {
        var (user, sudoUser) = GenerationNotes.Invoker();
        var command = "stork-get " + string.Join(' ', Args.Select(a => a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '*' or '?') ? $"'{a.Replace("'", "'\\''")}'" : a));
        foreach (var guest in Guests.ListGuests())
        {
            var before = _generationsAtStart.GetValueOrDefault(guest.Name);
            foreach (var generation in Database.Generations.List(guest.Name).Where(g => g.Number > before))
                GenerationNotes.Append(Paths, guest.Name, new GenerationNote(generation.Number, command, user, sudoUser, _byApply));
        }
    }

    public HostSession OpenSession()
    {
        using var _ = Stork.Client.Diagnostics.PhaseTimings.Measure("open session");
        return HostSession.Open(Paths, onWait: Output.Note, onMirrorNotice: m => Output.Note($"warning: {m}"));
    }

    public void Dispose()
    {
        using var _ = Stork.Client.Diagnostics.PhaseTimings.Measure("close host database");
        try { NoteNewGenerations(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Output.Note($"warning: could not record who made the new generation: {e.Message}"); }
        Database.Dispose();
    }
}
