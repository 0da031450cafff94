using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Client.Operations;

namespace Stork.Get.Cli.Commands;

internal static class SearchCommand
{
    public static Command Create()
    {
        var text = new Argument<string>("text") { Description = "Part of a package name or summary", DefaultValueFactory = _ => "" };
        var command = new Command("search", "Search the stored signed metadata (run refresh first)") { text };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            using var session = HostSession.Open(GlobalOptions.PathsOf(result));
            using var index = session.LoadIndexOffline(Output.Note);
            var hits = index.Search(result.GetValue(text) ?? "");
            // The newest version may be a prerelease; a plain install picks the newest stable one: say both.
            var rows = hits.Select(h => (Hit: h, Pick: PackageOperations.PlainInstallPick(index, h.Name)?.ToFullString())).ToList();
            if (GlobalOptions.WantsJson(result))
            {
                Output.Json(new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                {
                    ["name"] = r.Hit.Name,
                    ["version"] = r.Hit.Version,
                    ["debian_version"] = r.Hit.DebianVersion,
                    ["prerelease"] = Stork.Resolver.Model.DebianMappedVersions.IsHeldBackPrerelease(r.Hit.Candidate.Version),
                    ["install_picks"] = r.Pick,
                    ["summary"] = r.Hit.Summary,
                }).ToArray()));
                return 0;
            }
            Tables.Write(["name", "newest", "install picks", "summary"], rows.Select(r => (IReadOnlyList<string>)[
                r.Hit.Name, r.Hit.DisplayVersion + (Stork.Resolver.Model.DebianMappedVersions.IsHeldBackPrerelease(r.Hit.Candidate.Version) ? " (prerelease)" : ""),
                r.Pick is null ? "(prereleases only)" : index.Find(r.Hit.Name, r.Pick)?.DisplayVersion ?? r.Pick, r.Hit.Summary]));
            return 0;
        }));
        return command;
    }
}
