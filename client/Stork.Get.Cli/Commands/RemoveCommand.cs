using System.CommandLine;

namespace Stork.Get.Cli.Commands;

internal static class RemoveCommand
{
    public static Command Create() => PackageChangeCommand.Create("remove", "Remove packages, and dependencies nothing needs any more, from guests",
        new Argument<string[]>("packages") { Description = "Package names", Arity = ArgumentArity.OneOrMore },
        (operations, guest, packages, dryRun, ct) => operations.RemoveAsync(guest, packages, dryRun, ct),
        "Never contact the repository (remove already works from valid stored metadata without it)", withProgress: false);
}
