using Stork.Cli;
using System.CommandLine;
using Stork.Format.Packages;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class AddCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var packages = new Argument<string[]>("packages") { Description = "Built .stork files", Arity = ArgumentArity.OneOrMore };
        var publish = new Option<bool>("--publish") { Description = "Sign and publish right away" };
        var role = new Option<string?>("--role") { Description = "Delegated role to list the packages in (default: their hash bin, or targets)" };
        var keys = KeyOptions.SigningKeys("Private key file(s) of the role (e.g. a maintainer's own key); implies --publish");
        var command = new Command("add", "Add built packages to the repository (they are listed once published)") { repo, packages, publish, role, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var signingKeys = KeyOptions.LoadPrivate(result.GetValue(keys));
            try
            {
            foreach (var path in result.GetValue(packages)!)
            {
                if (!File.Exists(path)) throw new PublisherException($"package file {path} does not exist");
                // Read and check the whole package first: a broken blob must never be signed.
                PackageManifest manifest;
                using (var reader = PackageReader.Open(path))
                {
                    manifest = reader.Manifest;
                    reader.VerifyAll();
                }
                var info = manifest.Info.ToJsonNode().AsObject();
                var added = project.AddPackage(path, manifest.Name, manifest.Version, info, result.GetValue(role), manifest.InstalledSize);
                Console.WriteLine($"added {manifest.Name} {manifest.Version} as {added.TargetPath} (role {added.Role})");
            }
            if (result.GetValue(publish) || signingKeys.Count > 0) PublishCommand.PublishAndReport(project, signingKeys);
            else Console.WriteLine("Run 'stork-publish publish' to sign and publish.");
            }
            finally { KeyOptions.DisposeAll(signingKeys); }
            return 0;
        }));
        return command;
    }
}
