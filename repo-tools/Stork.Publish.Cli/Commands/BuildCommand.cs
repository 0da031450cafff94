using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Building;

namespace Stork.Publish.Cli.Commands;

internal static class BuildCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = $"Directory holding {BuildManifest.FileName} and the files to package" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the .stork file", DefaultValueFactory = _ => "." };
        var command = new Command("build", "Build a deterministic package (tar + zstd) from a directory, its manifest and globs") { source, output };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var outputDir = result.GetValue(output)!;
            Directory.CreateDirectory(outputDir);
            var built = PackageBuilder.Build(result.GetValue(source)!, outputDir);
            Console.WriteLine($"{built.Manifest.Name} {built.Manifest.Version}  {built.Path}  sha256 {built.Sha256}  {built.Length} bytes, {built.Manifest.Files.Count} entries");
            return 0;
        }));
        return command;
    }
}
