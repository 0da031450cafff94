using System.CommandLine;

namespace Stork.Get.Cli.Commands;

/// <summary>stork-get upgrade [PKG...] (-g G... | --all-guests): newest allowed versions, held packages stay.</summary>
internal static class UpgradeCommand
{
    public static Command Create() => PackageChangeCommand.Create("upgrade",
        "Move the named packages (default: every installed package) to the newest versions allowed; held packages stay",
        new Argument<string[]>("packages") { Description = "Installed package names (none: all)", Arity = ArgumentArity.ZeroOrMore },
        (operations, guest, packages, dryRun, ct) => operations.UpgradeAsync(guest, packages, dryRun, ct),
        "Use only the stored signed metadata (still valid) and cached blobs; never contact the repository");
}
