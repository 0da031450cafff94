using Stork.Client.Diagnostics;
using Stork.Client.Planning;
using Stork.Client.State;

namespace Stork.Client.Guests;

/// <summary>
/// The one protocol every change to a guest runs (install, upgrade, remove, rollback, repair, guest remove):
/// journal (state "staging") → stage (undone and the journal dropped on failure) → commit point (state
/// "committing") → apply → record (a generation, which drops the journal). Recovery of an interrupted run is
/// <see cref="GuestInstaller.Recover"/>: roll back before the commit point, forward after it.
/// </summary>
internal static class JournaledChange
{
    /// <returns>What <paramref name="record"/> returned (the new generation).</returns>
    public static int Run(HostDatabase database, GuestTransaction transaction, JournalRecord journal, IReadOnlyList<FileAction> actions, Func<int> record)
    {
        using (PhaseTimings.Measure("journal begin"))
            database.Journal.Begin(journal, actions);
        var stagePhase = PhaseTimings.Measure("stage");
        try
        {
            CrashPoints.Hit();
            transaction.Stage(actions); // rolls itself back on failure
        }
        catch (Exception e) when (e is not SimulatedCrashException)
        {
            database.Journal.Delete(journal.Guest);
            throw;
        }
        CrashPoints.Hit();
        stagePhase.Dispose();
        database.Journal.SetState(journal.Guest, JournalState.Committing); // the commit point
        CrashPoints.Hit();
        using (PhaseTimings.Measure("apply"))
            transaction.Apply(actions);
        CrashPoints.Hit();
        int generation;
        using (PhaseTimings.Measure("commit generation"))
            generation = record();
        CrashPoints.Hit();
        return generation;
    }
}
