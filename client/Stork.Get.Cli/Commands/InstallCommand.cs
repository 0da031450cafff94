using System.CommandLine;

namespace Stork.Get.Cli.Commands;

internal static class InstallCommand
{
    public static Command Create() => PackageChangeCommand.Create("install", "Install packages and their dependencies into guests",
        new Argument<string[]>("packages") { Description = "NAME, NAME=VERSION or \"NAME RANGE\"", Arity = ArgumentArity.OneOrMore },
        (operations, guest, packages, dryRun, ct) => operations.InstallAsync(guest, packages, dryRun, ct),
        "Use only the stored signed metadata (still valid) and cached blobs; never contact the repository");
}
