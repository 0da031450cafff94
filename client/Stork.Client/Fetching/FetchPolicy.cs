namespace Stork.Client.Fetching;

/// <summary>
/// Limits against slow-retrieval attacks: a mirror may not go silent for longer than <see cref="StallTimeout"/>,
/// and after <see cref="Grace"/> its average rate must stay above <see cref="MinBytesPerSecond"/>.
/// </summary>
public sealed record FetchPolicy(TimeSpan StallTimeout, long MinBytesPerSecond, TimeSpan Grace)
{
    public static FetchPolicy Default { get; } = new(TimeSpan.FromSeconds(30), 4 * 1024, TimeSpan.FromSeconds(10));
}
