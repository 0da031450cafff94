using System.Reflection;
using System.Runtime.CompilerServices;

namespace Stork.Architecture.Tests;

/// <summary>
/// The libraries never block on a task (Task.Result, Task.Wait, awaiter.GetResult()): a caller is either async end
/// to end or synchronous end to end. Only the compiler's async state machines may call an awaiter's GetResult,
/// since that is what an await compiles to.
/// </summary>
public sealed class SyncOverAsync
{
    public static IEnumerable<object[]> Libraries() => [["Stork.Client"], ["Stork.Format"], ["Stork.Resolver"], ["Stork.Resolver.Universe"], ["Stork.Publishing"], ["Stork.Cli"]];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Library_never_blocks_on_a_task(string assemblyName)
    {
        var types = Assembly.Load(assemblyName).GetTypes().Where(t => !t.Name.Contains('<')).ToList();
        Assert.NotEmpty(types);
        var (violations, methods) = IlScanner.Scan(types, (method, member) => Blocks(method, member) ? "await it, or make the callee synchronous" : null);
        Assert.True(methods > 20, $"only {methods} method bodies found in {assemblyName}");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_scan_sees_blocking_calls()
    {
        foreach (var name in new[] { nameof(ReadsResult), nameof(WaitsForTask), nameof(GetsAwaiterResult) })
        {
            var method = typeof(SyncOverAsync).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
            Assert.Contains(IlScanner.MembersUsed(method), member => Blocks(method, member));
        }
    }

    [Fact]
    public void An_await_is_not_blocking()
    {
        var machine = typeof(SyncOverAsync).GetMethod(nameof(Awaits), BindingFlags.NonPublic | BindingFlags.Static)!
            .GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType;
        var bodies = IlScanner.BodiesOf(machine).ToList();
        Assert.Contains(bodies, body => IlScanner.MembersUsed(body).Any(m => m.Name == "GetResult"));
        Assert.DoesNotContain(bodies, body => IlScanner.MembersUsed(body).Any(m => Blocks(body, m)));
    }

    private static int ReadsResult(Task<int> task) => task.Result;
    private static void WaitsForTask(Task task) => task.Wait();
    private static int GetsAwaiterResult(Task<int> task) => task.GetAwaiter().GetResult();
    private static async Task<int> Awaits(Task<int> task) => await task + 1;

    private static readonly Type[] Tasks = [typeof(Task), typeof(Task<>), typeof(ValueTask), typeof(ValueTask<>)];

    private static bool Blocks(MethodBase method, MemberInfo member)
    {
        var declaring = member.DeclaringType is { IsGenericType: true } g ? g.GetGenericTypeDefinition() : member.DeclaringType;
        if (declaring is null) return false;
        if (Tasks.Contains(declaring))
            return member.Name is "get_Result" or "Wait" or "WaitAll" or "WaitAny";
        if (member.Name == "GetResult" && declaring.Namespace == "System.Runtime.CompilerServices" && declaring.Name.Contains("Awaiter", StringComparison.Ordinal))
            return !IsAsyncStateMachine(method.DeclaringType);
        return false;
    }

    private static bool IsAsyncStateMachine(Type? type) => type is not null && typeof(IAsyncStateMachine).IsAssignableFrom(type);
}
