using System.Reflection;

namespace Stork.Architecture.Tests;

/// <summary>
/// Namespaces of each library form a directed acyclic graph: a cycle means two folders that can only change
/// together. Dependencies are read from type signatures (base types, interfaces, fields, properties, method
/// parameters and returns, generic arguments), which is where a layering mistake shows first. A namespace may use
/// its ancestors (the assembly's public contract); cycles among sibling folders are the ones that fail.
/// </summary>
public sealed class NamespaceCycles
{
    public static IEnumerable<object[]> CheckedAssemblies() => [["Stork.Resolver"], ["Stork.Format"], ["Stork.Resolver.Universe"], ["Stork.Publishing"], ["Stork.Cli"], ["Stork.Client"]];

    [Theory]
    [MemberData(nameof(CheckedAssemblies))]
    public void Namespaces_have_no_cycles(string assemblyName)
    {
        var graph = NamespaceGraph.Of(Assembly.Load(assemblyName));
        var cycle = NamespaceGraph.FindCycle(graph);
        Assert.True(cycle is null, $"namespace cycle in {assemblyName}: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };
        var cycle = NamespaceGraph.FindCycle(graph);
        Assert.NotNull(cycle);
        Assert.Equal(cycle![0], cycle[^1]);
        Assert.Equal(4, cycle.Count);
        Assert.Null(NamespaceGraph.FindCycle(new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = [] }));
    }
}
