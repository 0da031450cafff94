using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Publishing.Debian;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>stork-publish import-deb DEB... --output DIR</c> and <c>import-deb --from-apt NAME... --output DIR</c>.</summary>
internal static class ImportDebCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("deb") { Description = "Debian binary packages (.deb), or package names with --from-apt", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the .stork files and import-report.json", Required = true };
        var fromApt = new Option<bool>("--from-apt") { Description = "Arguments are package names: resolve their closure from the host's apt lists and download it with apt-get" };
        var cache = new Option<string?>("--cache") { Description = "With --from-apt: folder for downloaded .debs, reused between runs (default: OUTPUT/debs)" };
        var noMerged = new Option<bool>("--no-merged-usr") { Description = "Keep bin/ sbin/ lib*/ where they are instead of relocating them under usr/" };
        var level = new Option<int>("--level") { Description = "zstd level of the written packages (1-22)", DefaultValueFactory = _ => DebImporter.DefaultLevel };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Packages imported at once (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var arch = new Option<string?>("--arch") { Description = "dpkg architecture of the guests (default: dpkg --print-architecture)" };
        var command = new Command("import-deb", "Turn Debian binary packages into Stork packages (versions, dependencies, modes, owners, hard links, maintainer scripts)")
        { inputs, output, fromApt, cache, noMerged, level, jobs, arch };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var outDir = Path.GetFullPath(result.GetValue(output)!);
            var lvl = result.GetValue(level);
            if (lvl is < 1 or > 22) { CommandRunner.Report("--level must be between 1 and 22", ExitCodes.Usage); return ExitCodes.Usage; }
            var j = Math.Max(1, result.GetValue(jobs));
            List<string> debs;
            if (result.GetValue(fromApt))
            {
                var closure = AptClosure.Resolve(result.GetValue(inputs)!);
                Console.Error.WriteLine($"apt closure: {closure.Count} packages");
                debs = AptClosure.Download(closure, result.GetValue(cache) ?? Path.Combine(outDir, "debs"));
            }
            else debs = [.. result.GetValue(inputs)!.Select(Path.GetFullPath)];

            var options = new DebImporter.Options
            {
                OutputDirectory = outDir,
                MergedUsr = !result.GetValue(noMerged),
                Level = lvl,
                Architecture = result.GetValue(arch) ?? HostArchitecture(),
            };
            var results = new DebImportResult[debs.Count];
            Parallel.For(0, debs.Count, new ParallelOptions { MaxDegreeOfParallelism = j }, i => results[i] = DebImporter.Import(debs[i], options));

            var report = new JsonArray();
            var failed = 0;
            foreach (var r in results)
            {
                if (r.Error is not null) { failed++; Console.Error.WriteLine($"error: {r.Error}"); }
                else PublishOutput.Data($"{r.Name} {r.DebianVersion} -> {r.Version}  {r.Output}  {r.Length} bytes, {r.Files} entries");
                foreach (var note in r.NotCarried) Console.Error.WriteLine($"not carried: {r.Name ?? r.Deb}: {note}");
                report.Add((JsonNode)new JsonObject
                {
                    ["deb"] = r.Deb,
                    ["name"] = r.Name,
                    ["debian_version"] = r.DebianVersion,
                    ["version"] = r.Version,
                    ["output"] = r.Output,
                    ["error"] = r.Error,
                    ["not_carried"] = new JsonArray([.. r.NotCarried.Select(n => (JsonNode)n)]),
                });
            }
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "import-report.json"), report.ToJsonString(new() { WriteIndented = true }) + "\n");
            if (!PublishOutput.IsQuiet) Console.Error.WriteLine($"imported {results.Length - failed} of {results.Length} packages; report: {Path.Combine(outDir, "import-report.json")}");
            PublishOutput.Set("packages", report.DeepClone());
            PublishOutput.Set("report", Path.Combine(outDir, "import-report.json"));
            PublishOutput.Flush(); // also when some failed: the report says which
            return failed == 0 ? 0 : ExitCodes.LocalState;
        }));
        return command;
    }

    static string HostArchitecture()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dpkg", ["--print-architecture"]) { RedirectStandardOutput = true })!;
            var a = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (p.ExitCode == 0 && a.Length > 0) return a;
        }
        catch (System.ComponentModel.Win32Exception) { }
        return "amd64";
    }
}
