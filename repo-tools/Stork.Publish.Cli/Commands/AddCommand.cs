using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Packages;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class AddCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var packages = new Argument<string[]>("packages") { Description = "Built .stork files, or folders of them", Arity = ArgumentArity.ZeroOrMore };
        var from = new Option<string?>("--from") { Description = "A file listing .stork files (or folders), one per line ('-': standard input)" };
        var publish = new Option<bool>("--publish") { Description = "Sign and publish right away" };
        var role = new Option<string?>("--role") { Description = "Delegated role to list the packages in (default: their hash bin, or targets)" };
        var keys = KeyOptions.SigningKeys("Private key file(s) of the role (e.g. a maintainer's own key); implies --publish");
        var command = new Command("add", "Add built packages to the repository (they are listed once published)") { repo, packages, from, publish, role, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var files = PackageArguments.Enumerate(result.GetValue(packages) ?? [], result.GetValue(from));
            var signingKeys = KeyOptions.LoadPrivate(result.GetValue(keys));
            try
            {
                // Every package is read and checked before it is queued, and the queue is written only after the
                // last one passed: a broken blob is never signed, and a bad file queues nothing. One pass, holding no
                // package after it was queued and no list of files (blobs copied before a failure are removed when
                // the batch is disposed). The first lines are printed as they come; a bulk add ends with a count.
                using var batch = project.BeginAdding();
                const int Shown = 100;
                var list = PublishOutput.AsJson ? new JsonArray() : null;
                // Reading, verifying and hashing a package (most of the CPU) runs on every core, a few files
                // ahead; the packages are queued here, one thread, in the order given, so the result and the first
                // error reported are those of a serial run.
                foreach (var package in Prepared.InOrder(files))
                {
                    var manifest = package.Manifest;
                    var added = batch.AddPackage(package.Path, package.Sha256, package.Length, manifest.Name, manifest.Version, package.Info, result.GetValue(role), manifest.InstalledSize);
                    if (batch.Count <= Shown) PublishOutput.Say($"added {manifest.Name} {manifest.Version} as {added.TargetPath} (role {added.Role})");
                    list?.Add((JsonNode)new JsonObject { ["name"] = manifest.Name, ["version"] = manifest.Version, ["target"] = added.TargetPath, ["role"] = added.Role });
                }
                int queued = batch.Commit();
                if (batch.Count > Shown) PublishOutput.Say($"added {queued} packages");
                if (list is not null) PublishOutput.Set("added", list);
                if (result.GetValue(publish) || signingKeys.Count > 0) PublishCommand.PublishAndReport(project, signingKeys);
                else PublishOutput.Say("Run 'stork-publish publish' to sign and publish.");
            }
            finally { KeyOptions.DisposeAll(signingKeys); }
            return 0;
        }));
        return command;
    }
}
