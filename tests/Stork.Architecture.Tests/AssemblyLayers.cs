using System.Reflection;

namespace Stork.Architecture.Tests;

/// <summary>
/// Project references point one way (README, "Layout"): CLIs → libraries; the client → format and resolver;
/// the publisher → format; the resolver and the format reference nothing of ours. A new reference against that
/// direction fails here, naming it.
/// </summary>
public sealed class AssemblyLayers
{
    // Every Stork assembly a library may reference. Anything Stork-named that is not listed is forbidden.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Stork.Resolver"] = [],
        ["Stork.Format"] = [],
        ["Stork.Resolver.Universe"] = ["Stork.Resolver"],
        ["Stork.Publishing"] = ["Stork.Format"],
        ["Stork.Client"] = ["Stork.Format", "Stork.Resolver"],
        // Test support shared by the test projects: the package fixtures it builds come from the format.
        ["Stork.Testing"] = ["Stork.Format"],
        // What the two CLIs share (command runner, man pages, completions, usage errors).
        ["Stork.Cli"] = ["Stork.Format"],
    };

    public static IEnumerable<object[]> Libraries() => Allowed.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Library_references_only_the_layers_below_it(string library)
    {
        var assembly = Assembly.Load(library);
        var ours = assembly.GetReferencedAssemblies()
            .Select(reference => reference.Name!)
            .Where(name => name.StartsWith("Stork", StringComparison.OrdinalIgnoreCase) || name.StartsWith("stork-", StringComparison.Ordinal))
            .ToList();
        var forbidden = ours.Except(Allowed[library]).ToList();
        Assert.True(forbidden.Count == 0, $"{library} references {string.Join(", ", forbidden)}, against the layering (allowed: {string.Join(", ", Allowed[library].DefaultIfEmpty("nothing of ours"))})");
    }

    [Fact]
    public void Every_library_is_checked()
    {
        // A new library must be given its place in the layers above, or this test says which one is missing.
        var here = AppContext.BaseDirectory;
        var libraries = Directory.GetFiles(here, "Stork.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => !name!.EndsWith(".Tests", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(libraries);
        foreach (var name in libraries) Assert.True(Allowed.ContainsKey(name!), $"{name} has no entry in {nameof(AssemblyLayers)}.{nameof(Allowed)}");
    }

    [Theory]
    [InlineData("RequestException")]
    [InlineData("GuestException")]
    public void Client_only_errors_live_in_the_client_model(string name)
    {
        // Only stork-get's request and guest failures use them; the format library keeps the repository-vs-local roots.
        Assert.DoesNotContain(Assembly.Load("Stork.Format").GetTypes(), t => t.Name == name);
        var type = Assembly.Load("Stork.Client").GetType($"Stork.Client.Model.{name}");
        Assert.NotNull(type);
        Assert.Equal("LocalException", type.BaseType?.Name);
    }
}
