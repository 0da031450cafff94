using System.Reflection;
using Stork.Cli;
using Stork.Format.Errors;

namespace Stork.Architecture.Tests;

/// <summary>
/// Exit codes and the printed error report are the CLIs' business (Stork.Cli): the libraries raise errors with an
/// <see cref="ErrorClass"/>, and only the programs turn a class into a number.
/// </summary>
public sealed class ErrorLayers
{
    private static readonly string[] Libraries = ["Stork.Format", "Stork.Resolver", "Stork.Resolver.Universe", "Stork.Publishing", "Stork.Client", "Stork.Testing"];

    [Fact]
    public void The_format_library_has_no_exit_code_or_error_report()
    {
        var types = Assembly.Load("Stork.Format").GetTypes();
        Assert.NotEmpty(types);
        var found = types.Where(t => t.Name.Contains("ExitCode", StringComparison.Ordinal) || t.Name.Contains("ErrorReport", StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 0, $"CLI concerns in Stork.Format: {string.Join(", ", found.Select(t => t.FullName))}");
        var numbered = types.Where(t => typeof(Exception).IsAssignableFrom(t))
            .SelectMany(t => t.GetProperties().Where(p => p.Name.Contains("ExitCode", StringComparison.Ordinal)).Select(p => $"{t.Name}.{p.Name}"))
            .ToList();
        Assert.True(numbered.Count == 0, $"errors that name an exit code instead of a class: {string.Join(", ", numbered)}");
        Assert.NotNull(typeof(StorkException).GetProperty(nameof(StorkException.Class)));
    }

    [Fact]
    public void No_library_references_the_CLI_support_library()
    {
        foreach (var name in Libraries)
        {
            var references = Assembly.Load(name).GetReferencedAssemblies().Select(r => r.Name).ToList();
            Assert.NotEmpty(references);
            Assert.True(!references.Contains("Stork.Cli"), $"{name} references Stork.Cli; libraries speak error classes, only the programs know exit codes");
        }
    }

    [Theory]
    [InlineData(ErrorClass.Internal, 1)]
    [InlineData(ErrorClass.Usage, 2)]
    [InlineData(ErrorClass.UntrustedRepository, 3)]
    [InlineData(ErrorClass.Network, 4)]
    [InlineData(ErrorClass.RequestCannotBeMet, 5)]
    [InlineData(ErrorClass.Guest, 6)]
    [InlineData(ErrorClass.LocalState, 7)]
    public void Every_error_class_has_its_documented_exit_code(ErrorClass errorClass, int documented)
    {
        // README.md, "Exit codes": the numbers are a public contract.
        Assert.Equal(documented, ExitCodes.Of(errorClass));
    }

    [Fact]
    public void Every_error_class_is_mapped()
    {
        Assert.Equal(7, Enum.GetValues<ErrorClass>().Length);
        Assert.Equal(Enum.GetValues<ErrorClass>().Length, Enum.GetValues<ErrorClass>().Select(ExitCodes.Of).Distinct().Count());
    }
}
