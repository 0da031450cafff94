using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Format.Text;
using Stork.Client.Operations;
using Stork.Format.Errors;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// stork-get show NAME: every signed version (prereleases marked), which one a plain install picks, and per guest the
/// installed version next to the candidate (like apt-cache policy).
/// </summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Package name" };
        var command = new Command("show", "Show every version of a package, which one install picks, and what each guest has") { name };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var host = new HostContext(result);
            using var session = host.OpenSession();
            using var index = session.LoadIndexOffline(Output.Note);
            var packageName = result.GetValue(name)!;
            var versions = index.VersionsOf(packageName);
            if (versions.Count == 0) throw new RequestException($"no package named '{packageName}' in the repository{Suggest.DidYouMean(packageName, index.Names)}");
            var pick = PackageOperations.PlainInstallPick(index, packageName)?.ToFullString();
            var holds = HoldList.Load(host.Paths);
            // Debian packages are shown by their Debian version (the SemVer mapping is in --json and the version lines).
            string Display(string? version) => version is null ? "(none)" : versions.FirstOrDefault(v => v.Version == version)?.DisplayVersion ?? version;
            var guests = host.Guests.ListGuests().Select(g => (g.Name, Installed: host.Installer.ListInstalled(g.Name).FirstOrDefault(p => p.Name == packageName)?.Version)).ToList();
            bool json = GlobalOptions.WantsJson(result);
            var versionsJson = new JsonArray();
            foreach (var entry in versions)
            {
                var c = entry.Candidate;
                versionsJson.Add((JsonNode)new JsonObject
                {
                    ["name"] = entry.Name,
                    ["version"] = entry.Version,
                    ["debian_version"] = entry.DebianVersion,
                    ["summary"] = entry.Summary,
                    ["prerelease"] = Stork.Resolver.Model.DebianMappedVersions.IsHeldBackPrerelease(c.Version),
                    ["depends"] = new JsonArray(c.Depends.Select(clause => (JsonNode)JsonArrays.OfStrings(clause.Select(a => a.ToString()))).ToArray()),
                    ["provides"] = JsonArrays.OfStrings(c.Provides.Select(p => p.ToString())),
                    ["conflicts"] = JsonArrays.OfStrings(c.Conflicts.Select(p => p.ToString())),
                    ["sha256"] = entry.Target.Hashes.GetValueOrDefault("sha256"),
                    ["hashes"] = HashesJson(entry.Target.Hashes),
                    ["length"] = entry.Target.Length,
                    ["target"] = entry.TargetPath,
                });
                if (json) continue;
                var marks = (entry.DebianVersion is { } deb ? $" (Debian {deb})" : "")
                    + (Stork.Resolver.Model.DebianMappedVersions.IsHeldBackPrerelease(c.Version) ? " (prerelease)" : "") + (entry.Version == pick ? " (install picks this)" : "");
                Console.WriteLine($"{entry.Name} {entry.Version}{marks}: {entry.Summary}");
                if (c.Depends.Count > 0) Console.WriteLine($"  depends:   {string.Join("; ", c.Depends.Select(cl => string.Join(" | ", cl)))}");
                if (c.Provides.Count > 0) Console.WriteLine($"  provides:  {string.Join(", ", c.Provides)}");
                if (c.Conflicts.Count > 0) Console.WriteLine($"  conflicts: {string.Join(", ", c.Conflicts)}");
                var hashes = string.Join(", ", entry.Target.Hashes.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key} {h.Value}"));
                Console.WriteLine($"  blob:      {entry.TargetPath} ({entry.Target.Length} bytes, {hashes})");
            }
            if (json)
            {
                Output.Json(new JsonObject
                {
                    ["name"] = packageName,
                    ["install_picks"] = pick,
                    ["versions"] = versionsJson,
                    ["guests"] = new JsonArray(guests.Select(g => (JsonNode)new JsonObject
                    { ["guest"] = g.Name, ["installed"] = g.Installed, ["candidate"] = pick, ["held"] = holds.Of(g.Name).Contains(packageName) }).ToArray()),
                });
                return 0;
            }
            Console.WriteLine(pick is null
                ? $"a plain 'install {packageName}' picks nothing: every version is a prerelease; ask for one, e.g. {packageName}={versions[0].Version}"
                : $"a plain 'install {packageName}' picks {pick}" + (versions[0].Candidate.Version.IsPrerelease ? $" (newer prereleases are installed only when asked for, e.g. {packageName}={versions[0].Version})" : ""));
            if (guests.Count > 0)
            {
                Console.WriteLine();
                Tables.Write(["guest", "installed", "candidate"],
                    guests.Select(g => (IReadOnlyList<string>)[g.Name, Display(g.Installed) + (holds.Of(g.Name).Contains(packageName) ? " (held)" : ""), Display(pick)]));
            }
            return 0;
        }));
        return command;
    }

    private static JsonObject HashesJson(IReadOnlyDictionary<string, string> hashes)
    {
        var json = new JsonObject();
        foreach (var (algorithm, hex) in hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) json[algorithm] = hex;
        return json;
    }
}
