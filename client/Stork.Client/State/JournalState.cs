namespace Stork.Client.State;

/// <summary>Where a journaled change stands: before the commit point (roll back) or after it (roll forward).</summary>
public enum JournalState
{
    Staging,
    Committing,
}

/// <summary>The journal.state column's text (format-spec/HOST-STATE.md); existing databases keep these values.</summary>
public static class JournalStateText
{
    public static string Of(JournalState state) => state switch
    {
        JournalState.Staging => "staging",
        JournalState.Committing => "committing",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static JournalState Parse(string text, string guest) => text switch
    {
        "staging" => JournalState.Staging,
        "committing" => JournalState.Committing,
        _ => throw new Stork.Format.Errors.LocalException($"the host state database's journal of guest {guest} has an unknown state '{text}'"),
    };
}
