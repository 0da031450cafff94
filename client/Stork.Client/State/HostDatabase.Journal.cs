using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>A guest change in progress, before or after its commit point.</summary>
public sealed record JournalRecord(string Guest, string TxId, JournalState State, IReadOnlyList<DesiredPackage> Desired, LinkMode LinkMode, string Summary, long Started);

/// <summary>The journal of a change in progress: at most one per guest (format-spec/HOST-STATE.md).</summary>
public sealed partial class HostDatabase
{
    public void BeginJournal(JournalRecord record, IReadOnlyList<FileAction> actions)
    {
        using var transaction = _connection.BeginTransaction();
        using (var insert = Command("""
            INSERT INTO journal(guest, txid, state, desired, link_mode, summary, started)
            VALUES ($guest, $txid, $state, $desired, $mode, $summary, $started)
            """, transaction))
        {
            insert.Parameters.AddWithValue("$guest", record.Guest);
            insert.Parameters.AddWithValue("$txid", record.TxId);
            insert.Parameters.AddWithValue("$state", JournalStateText.Of(record.State));
            insert.Parameters.AddWithValue("$desired", StoredJson.Desired(record.Desired));
            insert.Parameters.AddWithValue("$mode", record.LinkMode.Name());
            insert.Parameters.AddWithValue("$summary", record.Summary);
            insert.Parameters.AddWithValue("$started", record.Started);
            insert.ExecuteNonQuery();
        }
        using (var op = Command("INSERT INTO journal_ops(guest, seq, kind, path, entry, existed) VALUES ($guest, $seq, $kind, $path, $entry, $existed)", transaction, ("$guest", record.Guest)))
        {
            var seq = op.Parameters.Add("$seq", SqliteType.Integer);
            var kind = op.Parameters.Add("$kind", SqliteType.Text);
            var path = op.Parameters.Add("$path", SqliteType.Text);
            var entry = op.Parameters.Add("$entry", SqliteType.Text);
            var existed = op.Parameters.Add("$existed", SqliteType.Integer);
            for (int i = 0; i < actions.Count; i++)
            {
                seq.Value = i;
                kind.Value = actions[i].Kind.ToString();
                path.Value = actions[i].Path;
                entry.Value = StoredJson.Entry(actions[i].Entry);
                existed.Value = actions[i].Existed ? 1 : 0;
                op.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    public void SetJournalState(string guest, JournalState state)
    {
        using var command = Command("UPDATE journal SET state = $state WHERE guest = $guest", ("$state", JournalStateText.Of(state)), ("$guest", guest));
        command.ExecuteNonQuery();
    }

    public (JournalRecord Record, IReadOnlyList<FileAction> Actions)? FindJournal(string guest)
    {
        JournalRecord record;
        using (var command = Command("SELECT txid, state, desired, link_mode, summary, started FROM journal WHERE guest = $guest", ("$guest", guest)))
        {
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            record = new JournalRecord(guest, reader.GetString(0), JournalStateText.Parse(reader.GetString(1), guest), StoredJson.ReadDesired(reader.GetString(2)),
                LinkModes.Parse(reader.GetString(3), $"host state: journal of guest {guest}"), reader.GetString(4), reader.GetInt64(5));
        }
        var actions = new List<FileAction>();
        using (var command = Command("SELECT kind, path, entry, existed FROM journal_ops WHERE guest = $guest ORDER BY seq", ("$guest", guest)))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
                actions.Add(new FileAction(Enum.Parse<FileActionKind>(reader.GetString(0)), reader.GetString(1),
                    StoredJson.ReadEntry(reader.GetString(2)), reader.GetInt64(3) != 0));
        }
        return (record, actions);
    }

    public IReadOnlyList<string> ListJournaledGuests()
    {
        using var command = Command("SELECT guest FROM journal ORDER BY guest");
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return list;
    }

    public void DeleteJournal(string guest)
    {
        using var transaction = _connection.BeginTransaction();
        DeleteJournal(guest, transaction);
        transaction.Commit();
    }

    private void DeleteJournal(string guest, SqliteTransaction transaction)
    {
        foreach (var sql in new[] { "DELETE FROM journal_ops WHERE guest = $guest", "DELETE FROM journal WHERE guest = $guest" })
        {
            using var command = Command(sql, transaction, ("$guest", guest));
            command.ExecuteNonQuery();
        }
    }
}
