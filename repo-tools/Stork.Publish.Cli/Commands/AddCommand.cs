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
        var command = new Command("add", "Add built packages to the repository (they are listed once published)") { repo, packages, publish };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
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
                var added = project.AddPackage(path, manifest.Name, manifest.Version, info);
                Console.WriteLine($"added {manifest.Name} {manifest.Version} as {added.TargetPath}");
            }
            if (result.GetValue(publish)) PublishCommand.PublishAndReport(project);
            else Console.WriteLine("Run 'stork-publish publish' to sign and publish.");
            return 0;
        }));
        return command;
    }
}
