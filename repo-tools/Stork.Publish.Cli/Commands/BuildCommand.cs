using Stork.Format.Errors;
using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Packages;
using Stork.Publishing.Building;

namespace Stork.Publish.Cli.Commands;

/// <summary>
/// stork-publish build SRC... [-o OUT] [-j N] [--level L]: one deterministic package per source folder, built in
/// parallel; the same inputs and level always give the same bytes. Listed in the order given, whatever finishes first.
/// </summary>
internal static class BuildCommand
{
    public static Command Create()
    {
        var sources = new Argument<string[]>("sources") { Description = $"Directories, each holding {BuildManifest.FileName} and the files to package", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the .stork files", DefaultValueFactory = _ => "." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Packages built at once (default: the number of CPUs)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var level = new Option<int>("--level") { Description = $"zstd level 1-22 (default {PackageWriter.CompressionLevel}: smallest blobs; 3 builds much faster)", DefaultValueFactory = _ => PackageWriter.CompressionLevel };
        var command = new Command("build", "Build deterministic packages (tar + zstd) from directories, their manifests and globs") { sources, output, jobs, level };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var outputDir = result.GetValue(output)!;
            if (result.GetValue(jobs) < 1) throw new UsageException("--jobs must be at least 1");
            var folders = result.GetValue(sources)!;
            foreach (var folder in folders)
                if (!Directory.Exists(folder)) throw new BuildException($"source directory '{folder}' does not exist");
            var duplicate = folders.GroupBy(f => Path.GetFullPath(f)).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new UsageException($"source directory '{duplicate.Key}' is named twice");
            Directory.CreateDirectory(outputDir);
            var built = new BuiltPackage?[folders.Length];
            var failures = new Exception?[folders.Length];
            Parallel.For(0, folders.Length, new ParallelOptions { MaxDegreeOfParallelism = result.GetValue(jobs) }, i =>
            {
                try { built[i] = PackageBuilder.Build(folders[i], outputDir, result.GetValue(level)); }
                catch (Exception e) { failures[i] = e; }
            });
            var names = built.Where(b => b is not null).GroupBy(b => b!.Path).FirstOrDefault(g => g.Count() > 1);
            if (names is not null) throw new BuildException($"two source folders build the same package {Path.GetFileName(names.Key)}");
            if (Array.FindIndex(failures, f => f is not null) is var first and >= 0)
                throw failures[first] is BuildException b ? new BuildException($"{folders[first]}: {b.Message}", b) : failures[first]!;
            PublishOutput.Set("built", new JsonArray(built.Select(b => (JsonNode)new JsonObject
            {
                ["name"] = b!.Manifest.Name,
                ["version"] = b.Manifest.Version,
                ["path"] = b.Path,
                ["sha256"] = b.Sha256,
                ["length"] = b.Length,
                ["entries"] = b.Manifest.Files.Count,
                ["installed_size"] = b.Manifest.InstalledSize,
            }).ToArray()));
            foreach (var b in built)
                PublishOutput.Data($"{b!.Manifest.Name} {b.Manifest.Version}  {b.Path}  sha256 {b.Sha256}  {b.Length} bytes, {b.Manifest.Files.Count} entries");
            return 0;
        }));
        return command;
    }
}
