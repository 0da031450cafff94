using System.Reflection;

namespace Stork.Architecture.Tests;

/// <summary>
/// The whole client library (not only its pure planners) dates things through an injected TimeProvider, so journals,
/// generations, logs and the slow-retrieval guard can be tested with a moved clock. Measuring a duration with
/// Stopwatch (phase timings, lift windows) stays allowed: it reads no date.
/// </summary>
public sealed class ClientClock
{
    private static readonly (Type Type, string Member)[] Clock =
    [
        (typeof(DateTime), "Now"), (typeof(DateTime), "UtcNow"), (typeof(DateTime), "Today"),
        (typeof(DateTimeOffset), "Now"), (typeof(DateTimeOffset), "UtcNow"),
        (typeof(Environment), "TickCount"), (typeof(Environment), "TickCount64"),
    ];

    public static IEnumerable<object[]> Libraries() => [["Stork.Client"], ["Stork.Cli"]];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Library_reads_the_clock_only_through_TimeProvider(string assemblyName)
    {
        var types = Assembly.Load(assemblyName).GetTypes().Where(t => !t.Name.Contains('<')).ToList();
        Assert.NotEmpty(types);
        var (violations, methods) = IlScanner.Scan(types, (_, member) => ReadsTheClock(member) ? "take a TimeProvider" : null);
        Assert.True(methods > 20, $"only {methods} method bodies found in {assemblyName}");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_scan_sees_a_clock_read()
    {
        var method = typeof(ClientClock).GetMethod(nameof(Today), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Contains(IlScanner.MembersUsed(method), ReadsTheClock);
    }

    private static DateTimeOffset Today() => DateTimeOffset.UtcNow;

    private static bool ReadsTheClock(MemberInfo member)
    {
        var name = member.Name.StartsWith("get_", StringComparison.Ordinal) ? member.Name[4..] : member.Name;
        return Clock.Any(c => c.Type == member.DeclaringType && c.Member == name);
    }
}
