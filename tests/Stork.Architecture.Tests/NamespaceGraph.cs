using System.Reflection;

namespace Stork.Architecture.Tests;

/// <summary>Namespace-to-namespace dependencies of one assembly, read from its type signatures.</summary>
internal static class NamespaceGraph
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static Dictionary<string, HashSet<string>> Of(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not { } from || IsCompilerGenerated(type)) continue;
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (var used in SignatureTypes(type))
                foreach (var t in Flatten(used))
                    if (t.Assembly == assembly && t.Namespace is { } to && to != from && !IsAncestor(to, from) && !IsCompilerGenerated(t))
                        edges.Add(to);
        }
        return graph;
    }

    /// <summary>A cycle as a list of namespaces whose first and last are the same, or null.</summary>
    public static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges : [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path[path.IndexOf(next)..], next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    private static IEnumerable<Type> SignatureTypes(Type type)
    {
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(All)) yield return f.FieldType;
        foreach (var p in type.GetProperties(All)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(All))
        {
            yield return m.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
        }
        foreach (var c in type.GetConstructors(All))
            foreach (var p in c.GetParameters()) yield return p.ParameterType;
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType) { foreach (var t in Flatten(type.GetElementType()!)) yield return t; yield break; }
        if (type.IsGenericParameter) yield break;
        yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (type.IsGenericType)
            foreach (var argument in type.GetGenericArguments())
                foreach (var t in Flatten(argument)) yield return t;
    }

    // A folder may use its parent namespace: the parent is the assembly's public contract (Stork.Resolver's
    // SolveRequest for Stork.Resolver.Search). Cycles between sibling folders are what the rule forbids.
    private static bool IsAncestor(string candidate, string of) => of.StartsWith(candidate + ".", StringComparison.Ordinal);

    private static bool IsCompilerGenerated(Type type) => type.Name.Contains('<') || type.FullName?.Contains('<') == true;
}
