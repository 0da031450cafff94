using Stork.Client.Planning;

namespace Stork.Client.State;

/// <summary>A guest change in progress, before or after its commit point.</summary>
public sealed record JournalRecord(string Guest, string TxId, JournalState State, IReadOnlyList<DesiredPackage> Desired, LinkMode LinkMode, string Summary, long Started);

/// <summary>The journal and journal_ops tables: the journal of a change in progress, at most one per guest (format-spec/HOST-STATE.md).</summary>
public sealed class JournalTable
{
    internal static readonly string[] Tables = ["journal", "journal_ops"];

    private readonly SqlSession _sql;

    internal JournalTable(SqlSession sql) => _sql = sql;

    /// <summary>Records a change and its file actions, in order, in one transaction.</summary>
    public void Begin(JournalRecord record, IReadOnlyList<FileAction> actions) => _sql.InTransaction(() =>
    {
        _sql.Execute("""
            INSERT INTO journal(guest, txid, state, desired, link_mode, summary, started)
            VALUES ($guest, $txid, $state, $desired, $mode, $summary, $started)
            """, ("$guest", record.Guest), ("$txid", record.TxId), ("$state", JournalStateText.Of(record.State)), ("$desired", StoredJson.Desired(record.Desired)),
            ("$mode", record.LinkMode.Name()), ("$summary", record.Summary), ("$started", record.Started));
        _sql.ExecuteEach("INSERT INTO journal_ops(guest, seq, kind, path, entry, existed) VALUES ($guest, $seq, $kind, $path, $entry, $existed)",
            actions.Select((action, seq) => (action, seq)),
            a => [("$seq", a.seq), ("$kind", a.action.Kind.ToString()), ("$path", a.action.Path), ("$entry", StoredJson.Entry(a.action.Entry)), ("$existed", a.action.Existed ? 1 : 0)],
            ("$guest", record.Guest));
    });

    public void SetState(string guest, JournalState state) =>
        _sql.Execute("UPDATE journal SET state = $state WHERE guest = $guest", ("$state", JournalStateText.Of(state)), ("$guest", guest));

    public (JournalRecord Record, IReadOnlyList<FileAction> Actions)? Find(string guest)
    {
        var record = _sql.QueryFirst("SELECT txid, state, desired, link_mode, summary, started FROM journal WHERE guest = $guest",
            r => new JournalRecord(guest, r.GetString(0), JournalStateText.Parse(r.GetString(1), guest), StoredJson.ReadDesired(r.GetString(2)),
                LinkModes.Parse(r.GetString(3), $"host state: journal of guest {guest}"), r.GetString(4), r.GetInt64(5)), ("$guest", guest));
        if (record is null) return null;
        var actions = _sql.Query("SELECT kind, path, entry, existed FROM journal_ops WHERE guest = $guest ORDER BY seq",
            r => new FileAction(Enum.Parse<FileActionKind>(r.GetString(0)), r.GetString(1), StoredJson.ReadEntry(r.GetString(2)), r.GetInt64(3) != 0), ("$guest", guest));
        return (record, actions);
    }

    public IReadOnlyList<string> ListGuests() => _sql.Query("SELECT guest FROM journal ORDER BY guest", r => r.GetString(0));

    /// <summary>Drops the guest's journal and its file actions, in one transaction.</summary>
    public void Delete(string guest) => _sql.InTransaction(() =>
    {
        _sql.Execute("DELETE FROM journal_ops WHERE guest = $guest", ("$guest", guest));
        _sql.Execute("DELETE FROM journal WHERE guest = $guest", ("$guest", guest));
    });

    /// <summary>Every blob a change in progress is installing.</summary>
    internal IEnumerable<string> DesiredBlobs() =>
        _sql.Query("SELECT desired FROM journal", r => r.GetString(0)).SelectMany(StoredJson.ReadDesired).Select(p => p.BlobSha256);
}
