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
        Installer = new GuestInstaller(Paths, Database) { OnWait = Output.Note };
        Maintenance = new GuestMaintenance(Paths, Database, Installer) { OnWait = Output.Note };
    }

    public HostSession OpenSession()
    {
        using var _ = Stork.Client.Diagnostics.PhaseTimings.Measure("open session");
        return HostSession.Open(Paths, onWait: Output.Note, onMirrorNotice: m => Output.Note($"warning: {m}"));
    }

    public void Dispose()
    {
        using var _ = Stork.Client.Diagnostics.PhaseTimings.Measure("close host database");
        Database.Dispose();
    }
}
