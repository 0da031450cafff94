using Microsoft.Data.Sqlite;
using Stork.Client.State;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests;

/// <summary>The journal state is an enum in code and keeps its text in the journal.state column (existing databases).</summary>
public sealed class JournalStateTests
{
    [Fact]
    public void The_state_column_keeps_its_text_and_reads_back_as_the_enum()
    {
        using var host = new HostFixture();
        Directory.CreateDirectory(host.GuestRoot("g"));
        host.Guests.AddGuest("g", host.GuestRoot("g"));
        host.Database.Journal.Begin(new JournalRecord("g", "tx1", JournalState.Staging, [], LinkMode.HardLink, "test", 1), []);
        Assert.Equal("staging", RawState(host));
        Assert.Equal(JournalState.Staging, host.Database.Journal.Find("g")!.Value.Record.State);

        host.Database.Journal.SetState("g", JournalState.Committing);
        Assert.Equal("committing", RawState(host));
        Assert.Equal(JournalState.Committing, host.Database.Journal.Find("g")!.Value.Record.State);
    }

    [Fact]
    public void An_unknown_state_is_a_local_error_naming_the_guest()
    {
        var error = Assert.Throws<LocalException>(() => JournalStateText.Parse("half-done", "web1"));
        Assert.Contains("web1", error.Message);
        Assert.Contains("'half-done'", error.Message);
    }

    private static string RawState(HostFixture host)
    {
        using var connection = new SqliteConnection($"Data Source={host.Paths.Database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM journal WHERE guest = 'g'";
        return (string)command.ExecuteScalar()!;
    }
}
